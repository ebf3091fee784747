// Command overlay merges docs/openapi-extra.yaml (authentication, error
// responses, examples: what protoc-gen-openapi cannot take from the .proto
// files) into the generated OpenAPI file, in place. `make generate` and
// `make generate-check` run it after buf generate.
//
//	go run ./docs/overlay -extra docs/openapi-extra.yaml docs/openapi.yaml
//
// Mappings merge key by key (the extra's value wins for scalars and
// sequences); a path or an operation that the extra names and the generated
// file lacks is an error, so a renamed route cannot leave its examples behind.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

func main() {
	extra := flag.String("extra", "docs/openapi-extra.yaml", "the hand-written additions")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: overlay -extra EXTRA.yaml OPENAPI.yaml")
		os.Exit(2)
	}
	if err := run(*extra, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "overlay:", err)
		os.Exit(1)
	}
}

func run(extraPath, docPath string) error {
	var doc, extra yaml.Node
	if err := load(docPath, &doc); err != nil {
		return err
	}
	if err := load(extraPath, &extra); err != nil {
		return err
	}
	if err := Merge(doc.Content[0], extra.Content[0]); err != nil {
		return fmt.Errorf("%s into %s: %w", extraPath, docPath, err)
	}
	var buf bytes.Buffer
	buf.WriteString("# Generated with protoc-gen-openapi from proto/schakel/local/v1/local.proto,\n" +
		"# merged with docs/openapi-extra.yaml by docs/overlay: run `make generate`, do not edit.\n\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(4)
	doc.HeadComment = ""
	doc.Content[0].HeadComment = ""
	if err := enc.Encode(doc.Content[0]); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return os.WriteFile(docPath, buf.Bytes(), 0o644) //nolint:gosec // a documentation file
}

func load(path string, n *yaml.Node) error {
	b, err := os.ReadFile(path) //nolint:gosec // a path given on the command line
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, n); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) != 1 || n.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%s: not a YAML mapping", path)
	}
	return nil
}

// Merge merges the mapping src into the mapping dst. Under "paths", every
// path and every operation of src must already be in dst.
func Merge(dst, src *yaml.Node) error {
	return merge(dst, src, nil)
}

func merge(dst, src *yaml.Node, at []string) error {
	if dst.Kind != yaml.MappingNode || src.Kind != yaml.MappingNode {
		return fmt.Errorf("%v: cannot merge a %v into a %v", at, src.Kind, dst.Kind)
	}
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		here := append(append([]string(nil), at...), k.Value)
		d := lookup(dst, k.Value)
		if d == nil {
			// A new path (depth 1 under paths) or operation (depth 2) is a
			// route the generated file does not have.
			if len(at) >= 1 && at[0] == "paths" && len(at) <= 2 {
				return fmt.Errorf("%v: not in the generated file (was the route renamed in local.proto?)", here)
			}
			dst.Content = append(dst.Content, k, v)
			continue
		}
		if d.Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
			if err := merge(d, v, here); err != nil {
				return err
			}
			continue
		}
		*d = *v
	}
	return nil
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
