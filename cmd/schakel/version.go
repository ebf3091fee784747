package main

import (
	"encoding/json"
	"fmt"
	"github.com/schakel/schakel/policy"
	"runtime/debug"
)

// Set at build time: go build -ldflags "-X main.version=v1.2.3 -X main.commit=abc123"
// (make build and the Dockerfile do). Unset, they come from the module and
// VCS information Go embeds in every build (runtime/debug.ReadBuildInfo).
var (
	version = ""
	commit  = ""
)

// contractVersion is the version of the policy decision contract
// (POLICY-CONTRACT.md) the engine implements.
const contractVersion = policy.ContractVersion

// localAPI is the version of the local API (proto/schakel/local/v1).
const localAPI = "schakel.local.v1"

type versionInfo struct {
	Version         string `json:"version"`
	Commit          string `json:"commit"`
	Modified        bool   `json:"modified,omitempty"`
	BuildTime       string `json:"build_time,omitempty"`
	Go              string `json:"go"`
	ContractVersion int    `json:"contract_version"`
	LocalAPI        string `json:"local_api"`
	// StoreSchemas are the SQLite stores' tables and columns as this binary
	// creates them (schema.go); with --config, compared to the node's.
	StoreSchemas []storeSchema `json:"store_schemas"`
}

func buildVersion() versionInfo {
	v := versionInfo{Version: version, Commit: commit, ContractVersion: contractVersion, LocalAPI: localAPI}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v.Go = bi.GoVersion
		if v.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if v.Commit == "" {
					v.Commit = s.Value
				}
			case "vcs.modified":
				v.Modified = s.Value == "true" && commit == ""
			case "vcs.time":
				v.BuildTime = s.Value
			}
		}
	}
	if v.Version == "" {
		v.Version = "dev"
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	return v
}

// cmdVersion prints the version, commit, contract version and the stores'
// schemas; with --config it compares the node's stores to this binary's.
func cmdVersion(args []string, s stdio) int {
	fs := newFlags(s, "schakel version", "usage: schakel version [--json] [--config FILE]\n\n"+
		"Prints the version, the commit, the policy contract version and the schema\n"+
		"(tables and columns, as a digest) of each SQLite store this binary creates.\n"+
		"With --config, also the schema state of the node's stores: same, older (this\n"+
		"binary adds tables or columns when the node starts: an upgrade), other (the\n"+
		"store has tables or columns this binary does not know: made by a newer\n"+
		"release; exit 1), absent. Read-only: the node may run.")
	asJSON := fs.Bool("json", false, "print JSON")
	cfgPath := fs.configFlag()
	if code, ok := fs.parse(args); !ok {
		return code
	}
	cfg, code, ok := fs.loadConfig(*cfgPath, false)
	if !ok {
		return code
	}
	v := buildVersion()
	schemas, err := binarySchemas()
	if err != nil {
		// The version itself is still worth printing (a read-only or
		// missing temporary folder, say); a comparison is not possible.
		if cfg != nil {
			return fs.failf("store schemas: %v", err)
		}
		fmt.Fprintf(s.err, "schakel version: store schemas unknown: %v\n", err)
	}
	if cfg != nil {
		if err := compareSchemas(cfg, schemas); err != nil {
			return fs.failf("store schemas: %v", err)
		}
	}
	v.StoreSchemas = schemas
	newer := false
	for _, st := range schemas {
		newer = newer || st.State == "other"
	}
	exit := 0
	if newer {
		exit = 1
	}
	if *asJSON {
		b, _ := json.MarshalIndent(v, "", "  ")
		fmt.Fprintf(s.out, "%s\n", b)
		return exit
	}
	mod := ""
	if v.Modified {
		mod = " (modified)"
	}
	fmt.Fprintf(s.out, "schakel %s\ncommit: %s%s\n", v.Version, v.Commit, mod)
	if v.BuildTime != "" {
		fmt.Fprintf(s.out, "commit time: %s\n", v.BuildTime)
	}
	fmt.Fprintf(s.out, "go: %s\npolicy contract version: %d\nlocal API: %s\n", v.Go, v.ContractVersion, v.LocalAPI)
	if len(schemas) > 0 {
		fmt.Fprintf(s.out, "store schemas (tables and columns; --json lists them):\n")
	}
	for _, st := range schemas {
		state := ""
		if st.State != "" {
			state = "  node: " + st.State
		}
		fmt.Fprintf(s.out, "  %-9s %-12s %s  %d tables%s\n", st.Store, st.File, st.Digest, len(st.Tables), state)
		for _, d := range st.Extra {
			fmt.Fprintf(s.out, "    %s\n", d)
		}
	}
	if newer {
		fmt.Fprintf(s.err, "schakel version: a store was made by a newer release than this binary; do not start this binary on it (restore the newer binary, or the backup taken before the upgrade)\n")
	}
	return exit
}
