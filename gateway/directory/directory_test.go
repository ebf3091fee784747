package directory

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/policy/signing"
)

var pw = []byte("correct horse battery staple")

// keys makes n signing keys in a trusted folder and returns the private keys.
func keys(t *testing.T, n int) (trusted string, priv [][]byte) {
	t.Helper()
	trusted = t.TempDir()
	for i := 0; i < n; i++ {
		p, pub, err := signing.GenerateKeyPair(pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(trusted, []string{"federatie", "fg", "derde"}[i]+".pub"), pub, 0o644); err != nil {
			t.Fatal(err)
		}
		priv = append(priv, p)
	}
	return trusted, priv
}

func sample(version uint64, peers ...Entry) *File {
	if len(peers) == 0 {
		peers = []Entry{
			{OIN: "00000001000000000003", Name: "Gemeente Enschede", OrgType: "gemeente", GemeenteCode: "0153", Address: "schakel.enschede.example:8443"},
			{OIN: "00000001000000000001", Name: "Het Twentse College", OrgType: "school_vo", Address: "127.0.0.1:7001"},
		}
	}
	return &File{Federation: "Twente", Version: version, Peers: peers}
}

// publish writes f and signatures by the given keys to dir/directory.yaml.
func publish(t *testing.T, dir string, f *File, priv ...[]byte) (path string, payload []byte) {
	t.Helper()
	b, err := Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "directory.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(path + ".*.sig")
	for _, o := range old {
		os.Remove(o)
	}
	for i, p := range priv {
		sig, err := signing.Sign(p, pw, b)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+"."+[]string{"federatie", "fg", "derde"}[i]+".sig", sig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path, b
}

func TestParseRefusesMistakes(t *testing.T) {
	good, err := Marshal(sample(1))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(good)
	if err != nil || f.Peers[0].OIN != "00000001000000000001" {
		t.Fatalf("canonical file: %+v %v (want sorted by OIN)", f, err)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", string(good) + "extra: 1\n", "extra"},
		{"no version", strings.Replace(string(good), "version: 1", "version: 0", 1), "version"},
		{"bad oin", strings.Replace(string(good), "00000001000000000003", "123", 1), "peers[1].oin"},
		{"duplicate", strings.Replace(string(good), "00000001000000000003", "00000001000000000001", 1), "duplicate"},
		{"bad gemeente code", strings.Replace(string(good), `"0153"`, `"153"`, 1), "gemeente_code"},
		{"bad address", strings.Replace(string(good), "127.0.0.1:7001", "nohost", 1), "peers[0].address"},
		{"no federation", strings.Replace(string(good), "federation: Twente", "federation: \"\"", 1), "federation"},
		{"designated gemeente on a gemeente", strings.Replace(string(good), `gemeente_code: "0153"`, `gemeente_code: "0153"`+"\n    designated_gemeente_code: \"0153\"", 1), "peers[1].designated_gemeente_code: only for a school"},
		{"designated gemeente malformed", strings.Replace(string(good), "org_type: school_vo", "org_type: school_vo\n    designated_gemeente_code: GM0153", 1), "peers[0].designated_gemeente_code: must be the 4-digit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want ErrInvalid naming %s", err, tc.want)
			}
		})
	}
}

func TestVerifyBeforeParse(t *testing.T) {
	trusted, priv := keys(t, 2)
	tk, err := signing.LoadTrustedDir(trusted)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path, payload := publish(t, dir, sample(1), priv...)
	sigs, _ := signing.FindSignatures(path)
	v, err := VerifyFiles(path, sigs, signing.Trust{Keys: tk, Threshold: 2})
	if err != nil || v.File.Version != 1 || len(v.Signers) != 2 {
		t.Fatalf("VerifyFiles = %+v, %v", v, err)
	}
	// One signature short of the threshold.
	if _, err := VerifyFiles(path, sigs[:1], signing.Trust{Keys: tk, Threshold: 2}); !errors.Is(err, signing.ErrBelowThreshold) {
		t.Errorf("1 of 2 = %v, want ErrBelowThreshold", err)
	}
	// A tampered file that is not even YAML fails on its signatures, not
	// in the parser: nothing of it was interpreted.
	tampered := append(append([]byte{}, payload...), []byte("\n\t: : [\n")...)
	if err := os.WriteFile(path, tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = VerifyFiles(path, sigs, signing.Trust{Keys: tk, Threshold: 2})
	if !errors.Is(err, signing.ErrTampered) || errors.Is(err, ErrInvalid) {
		t.Errorf("tampered = %v, want ErrTampered from the signature check", err)
	}
}

// setNotAfter gives the trusted key NAME.pub in folder trusted a Not-After
// header, as policy-pack keys have.
func setNotAfter(t *testing.T, trusted, name, notAfter string) {
	t.Helper()
	path := filepath.Join(trusted, name+".pub")
	pub, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pub = []byte(strings.Replace(string(pub), "-----BEGIN PUBLIC KEY-----\n", "-----BEGIN PUBLIC KEY-----\nNot-After: "+notAfter+"\n\n", 1))
	if err := os.WriteFile(path, pub, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyRefusesExpiredKey: a signature by a trusted key past its
// Not-After does not count toward the threshold, and the refusal names the
// key and its expiry; before that moment it counts.
func TestVerifyRefusesExpiredKey(t *testing.T) {
	trusted, priv := keys(t, 2)
	setNotAfter(t, trusted, "fg", "2027-06-30")
	tk, err := signing.LoadTrustedDir(trusted)
	if err != nil {
		t.Fatal(err)
	}
	path, _ := publish(t, t.TempDir(), sample(1), priv...)
	sigs, _ := signing.FindSignatures(path)
	at := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	v, err := VerifyFiles(path, sigs, signing.Trust{Keys: tk, Threshold: 2, Now: at("2027-06-30T23:59:59Z")})
	if err != nil || len(v.Signers) != 2 {
		t.Fatalf("on the key's last day: %+v, %v; want both signatures to count", v, err)
	}
	_, err = VerifyFiles(path, sigs, signing.Trust{Keys: tk, Threshold: 2, Now: at("2027-07-01T00:00:00Z")})
	if !errors.Is(err, signing.ErrKeyExpired) || !errors.Is(err, signing.ErrBelowThreshold) {
		t.Fatalf("after the key expired: %v, want ErrKeyExpired and ErrBelowThreshold", err)
	}
	for _, want := range []string{`trusted key "fg"`, "expired at 2027-06-30T23:59:59Z", "directory.yaml.fg.sig", "1 of 2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal lacks %q: %v", want, err)
		}
	}
	// At threshold 1 the other key alone suffices; the expired one is not
	// counted.
	v, err = VerifyFiles(path, sigs, signing.Trust{Keys: tk, Threshold: 1, Now: at("2027-07-01T00:00:00Z")})
	if err != nil || strings.Join(v.Signers, ",") != "federatie" {
		t.Fatalf("threshold 1 after expiry: %+v, %v; want federatie alone", v, err)
	}
}

// TestLoaderRefusesExpiredKeyOnReload: a node keeps running while a signing
// key expires; the next directory signed with it is refused, naming the
// key's expiry, and the last good one stays in force.
func TestLoaderRefusesExpiredKeyOnReload(t *testing.T) {
	trusted, priv := keys(t, 2)
	setNotAfter(t, trusted, "fg", "2027-06-30")
	now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	path, _ := publish(t, dir, sample(1), priv...)
	l, err := NewLoader(Source{Path: path, Trusted: trusted, Threshold: 2, Now: func() time.Time { return now }}, nil, func(*Verified) {}, nil)
	if err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	now = time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)
	publish(t, dir, sample(2), priv...)
	if first, second := l.Poll(), l.Poll(); first || second {
		t.Fatal("directory signed with an expired key loaded")
	}
	st := l.Status()
	if st.Version != 1 || st.Refused == nil || !strings.Contains(st.Refused.Error, `trusted key "fg"`) ||
		!strings.Contains(st.Refused.Error, "expired at 2027-06-30T23:59:59Z") {
		t.Fatalf("after expiry: %+v (refused %+v), want version 1 in force and a refusal naming fg's expiry", st, st.Refused)
	}
	// At start, too, a directory the expired key helped sign is refused.
	if _, err := NewLoader(Source{Path: path, Trusted: trusted, Threshold: 2, Now: func() time.Time { return now }}, nil, func(*Verified) {}, nil); !errors.Is(err, signing.ErrKeyExpired) {
		t.Fatalf("start after expiry: %v, want ErrKeyExpired", err)
	}
}

func TestLoaderReloadsKeepsLastGoodAndRefusesRollback(t *testing.T) {
	trusted, priv := keys(t, 2)
	dir := t.TempDir()
	path, _ := publish(t, dir, sample(1), priv...)
	var applied []*Verified
	l, err := NewLoader(Source{Path: path, Trusted: trusted, Threshold: 2}, nil, func(v *Verified) { applied = append(applied, v) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first, second := l.Poll(), l.Poll(); first || second {
		t.Error("Poll reloaded unchanged files")
	}
	zorg := Entry{OIN: "00000001000000000002", Name: "Jeugdzorg Twente", OrgType: "zorgaanbieder", Address: "127.0.0.1:7201"}
	publish(t, dir, sample(2, append(sample(1).Peers, zorg)...), priv...)
	if l.Poll() {
		t.Fatal("reloaded on the first look at a change; it must be stable for one more poll")
	}
	if !l.Poll() || l.Status().Version != 2 || l.Status().Peers != 3 || len(applied) != 2 {
		t.Fatalf("version 2 not loaded: %+v", l.Status())
	}
	// Tampered: version 3 with version 2's signatures.
	b, _ := Marshal(sample(3))
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if first, second := l.Poll(), l.Poll(); first || second {
		t.Fatal("tampered directory loaded")
	}
	st := l.Status()
	if st.Version != 2 || st.Refused == nil || !strings.Contains(st.Refused.Error, "changed after signing") || len(applied) != 2 {
		t.Fatalf("after tampering: %+v (refused %+v)", st, st.Refused)
	}
	// Properly signed but older: a rollback is refused.
	publish(t, dir, sample(1), priv...)
	if first, second := l.Poll(), l.Poll(); first || second || l.Status().Version != 2 || !strings.Contains(l.Status().Refused.Error, "not above 2") {
		t.Fatalf("rollback to version 1: %+v %+v", l.Status(), l.Status().Refused)
	}
	// The node's own check (e.g. an org type the pack does not know) refuses too.
	l2, err := NewLoader(Source{Path: path, Trusted: trusted, Threshold: 2}, func(*File) error { return errors.New("unknown org type") }, func(*Verified) {}, nil)
	if err == nil || l2 != nil {
		t.Fatalf("check error at start = %v, want a refusal", err)
	}
}

func TestDiff(t *testing.T) {
	a := sample(1)
	b := sample(2, Entry{OIN: "00000001000000000001", Name: "Het Twentse College", OrgType: "school_vo", Address: "127.0.0.1:7999"},
		Entry{OIN: "00000001000000000002", Name: "Jeugdzorg Twente", OrgType: "zorgaanbieder", Address: "127.0.0.1:7201"})
	got := Diff(a, b)
	kinds := []string{}
	for _, c := range got {
		kinds = append(kinds, c.Kind)
	}
	if strings.Join(kinds, ",") != "changed,added,removed" {
		t.Fatalf("Diff kinds = %v", kinds)
	}
}

// A school's designated gemeente is part of the signed directory format.
func TestDesignatedGemeente(t *testing.T) {
	f := sample(1,
		Entry{OIN: "00000001000000000004", Name: "OBS De Esch", OrgType: "school_po", DesignatedGemeenteCode: "0153", Address: "127.0.0.1:7004"})
	b, err := Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil || got.Peers[0].DesignatedGemeenteCode != "0153" || !strings.Contains(string(b), `designated_gemeente_code: "0153"`) {
		t.Fatalf("round trip: %+v %v\n%s", got, err, b)
	}
}
