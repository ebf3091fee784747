package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/schakel/schakel/gateway/source"
)

var sourceGroup = &group{name: "schakel source", cmds: []command{
	{name: "check", summary: "check a school's LVS export (--dir DIR or --config FILE); exit 1 on any problem", run: cmdSourceCheck},
}}

const sourceCheckUsage = `usage: schakel source check (--dir DIR [--format csv|xml] | --config FILE)

Checks a school's LVS export (leerlingen.csv and the optional verzuim.csv,
gezag.csv, meldingen.csv, opp.csv, observaties.csv, or export.xml;
docs/source-guide.md) as
the node would load it, and reports in Dutch, per file, line and column, what
it cannot map. Exit 1 on any problem. It only reads: a running node keeps
serving its previous export until a valid one is in place.`

func cmdSourceCheck(args []string, s stdio) int {
	fs := newFlags(s, "schakel source check", sourceCheckUsage)
	dir := fs.String("dir", "", "the folder with the export's files")
	format := fs.String("format", source.FormatCSV, "the export's format with --dir: csv or xml")
	cfgPath := fs.configFlag()
	if code, ok := fs.parse(args); !ok {
		return code
	}
	switch {
	case *dir != "" && *cfgPath != "":
		return fs.usageError("set --dir or --config, not both")
	case *dir == "" && *cfgPath == "":
		return fs.usageError("--dir or --config is required")
	case *cfgPath != "":
		cfg, code, ok := fs.loadConfig(*cfgPath, true)
		if !ok {
			return code
		}
		if cfg.Source.Export.Dir == "" {
			return fs.failf("%s: source.export.dir is not set; this node does not read an export", *cfgPath)
		}
		*dir, *format = cfg.Source.Export.Dir, cfg.Source.Export.Format
	}
	if *format != source.FormatCSV && *format != source.FormatXML {
		return fs.usageError(fmt.Sprintf("--format must be csv or xml, got %q", *format))
	}
	sum, err := source.CheckExport(*dir, *format)
	var ee *source.ExportError
	if errors.As(err, &ee) {
		for _, p := range ee.Problems {
			fmt.Fprintln(s.out, p.String())
		}
		more := ""
		if len(ee.Problems) >= 200 {
			more = " (alleen de eerste 200 worden getoond)"
		}
		fmt.Fprintf(s.out, "\n%s: %d %s%s; de export is niet bruikbaar. Een draaiende node blijft de vorige export gebruiken.\n",
			*dir, len(ee.Problems), plural(len(ee.Problems), "fout", "fouten"), more)
		return 1
	}
	if err != nil {
		return fs.fail(err)
	}
	names := make([]string, 0, len(sum.Files))
	for n := range sum.Files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		unit := plural(sum.Files[n], "regel", "regels")
		if *format == source.FormatXML {
			unit = plural(sum.Files[n], "element", "elementen")
		}
		fmt.Fprintf(s.out, "%s: %d %s\n", n, sum.Files[n], unit)
	}
	fmt.Fprintf(s.out, "%s: in orde\n", *dir)
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
