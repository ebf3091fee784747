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

// cmdVersion prints the version, commit and contract version.
func cmdVersion(args []string, s stdio) int {
	fs := newFlags(s, "schakel version", "usage: schakel version [--json]\n\nPrints the version, the commit and the policy contract version.")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	v := buildVersion()
	if *asJSON {
		b, _ := json.MarshalIndent(v, "", "  ")
		fmt.Fprintf(s.out, "%s\n", b)
		return 0
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
	return 0
}
