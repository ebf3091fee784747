package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exportDir copies the export of gateway/source's tests to a temporary
// folder.
func exportDir(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "..", "gateway", "source", "testdata", "export")
	dir := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSourceCheck(t *testing.T) {
	dir := exportDir(t)
	code, out, errOut := schakel(t, "", "source", "check", "--dir", dir)
	if code != 0 {
		t.Fatalf("a valid export: exit %d, %s %s", code, out, errOut)
	}
	for _, want := range []string{"leerlingen.csv: 4 regels\n", "verzuim.csv: 6 regels\n", "opp.csv: 1 regel\n", dir + ": in orde\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// An impossible birth date and a BSN that fails the 11-proef, in the
	// words of the administrator who has to fix them.
	leerlingen := filepath.Join(dir, "leerlingen.csv")
	b, _ := os.ReadFile(leerlingen)
	bad := strings.Replace(strings.Replace(string(b), "2019-06-21", "31-02-2014", 1), "999990688", "999990687", 1)
	if err := os.WriteFile(leerlingen, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = schakel(t, "", "source", "check", "--dir", dir)
	want := "leerlingen.csv regel 3, kolom geboortedatum: '31-02-2014' is geen datum (JJJJ-MM-DD of DD-MM-JJJJ)\n" +
		"leerlingen.csv regel 4, kolom bsn: '999990687' voldoet niet aan de 11-proef\n" +
		"\n" + dir + ": 2 fouten; de export is niet bruikbaar. Een draaiende node blijft de vorige export gebruiken.\n"
	if code != 1 || out != want {
		t.Errorf("a broken export: exit %d,\n%s\nwant exit 1,\n%s", code, out, want)
	}
}

func TestSourceCheckConfig(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"cert.pem", "key.pem", "ca.pem", "local-ca.pem"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	node := `node: {oin: "00000001000000000001", name: "School", org_type: school_vo}
listen: {peer: "127.0.0.1:7001", local: "127.0.0.1:7002", metrics: "127.0.0.1:7003"}
identity: {cert: cert.pem, key: key.pem}
trust: {anchors: [ca.pem]}
local: {client_ca: local-ca.pem}
policy: {builtin: true}
`
	export := exportDir(t)
	withExport := filepath.Join(dir, "node.yaml")
	if err := os.WriteFile(withExport, []byte(node+"source: {export: {dir: "+export+"}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := schakel(t, "", "source", "check", "--config", withExport); code != 0 || !strings.Contains(out, export+": in orde") {
		t.Errorf("--config with an export: exit %d, %s %s", code, out, errOut)
	}
	without := filepath.Join(dir, "plain.yaml")
	if err := os.WriteFile(without, []byte(node), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := schakel(t, "", "source", "check", "--config", without); code != 1 || !strings.Contains(errOut, "source.export.dir is not set") {
		t.Errorf("--config without an export: exit %d, %s", code, errOut)
	}
	if code, _, errOut := schakel(t, "", "source", "check"); code != 2 || !strings.Contains(errOut, "--dir or --config is required") {
		t.Errorf("no folder: exit %d, %s", code, errOut)
	}
}

func TestSourceCheckXML(t *testing.T) {
	dir := filepath.Join("..", "..", "gateway", "source", "testdata", "export-xml")
	code, out, errOut := schakel(t, "", "source", "check", "--dir", dir, "--format", "xml")
	if code != 0 || !strings.Contains(out, "export.xml <leerling>: 4 elementen\n") || !strings.Contains(out, "export.xml <opp>: 1 element\n") {
		t.Errorf("the XML export: exit %d,\n%s%s", code, out, errOut)
	}
	// The CSV files are not in that folder: as csv it is refused.
	if code, out, _ := schakel(t, "", "source", "check", "--dir", dir); code != 1 || !strings.Contains(out, "leerlingen.csv: bestand ontbreekt") {
		t.Errorf("the XML folder read as csv: exit %d, %s", code, out)
	}
	if code, _, errOut := schakel(t, "", "source", "check", "--dir", dir, "--format", "xls"); code != 2 || !strings.Contains(errOut, "--format must be csv or xml") {
		t.Errorf("--format xls: exit %d, %s", code, errOut)
	}
}
