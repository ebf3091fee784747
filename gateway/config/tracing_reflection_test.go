package config

import (
	"strings"
	"testing"
)

func TestTracingAndReflectionKeys(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "cert.pem", "key.pem", "ca.pem", "local-ca.pem")
	c, err := Parse([]byte(valid), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Tracing.Enabled() || !c.Local.ReflectionEnabled() {
		t.Fatalf("defaults: tracing %v, reflection %v; want off, on", c.Tracing.Enabled(), c.Local.ReflectionEnabled())
	}
	on := valid + "tracing: {otlp_endpoint: \"127.0.0.1:4317\", insecure: true, sample_ratio: 0.5}\n"
	on = strings.Replace(on, "local: {client_ca: local-ca.pem}", "local: {client_ca: local-ca.pem, reflection: false}", 1)
	c, err = Parse([]byte(on), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Tracing.Enabled() || *c.Tracing.SampleRatio != 0.5 || c.Local.ReflectionEnabled() {
		t.Fatalf("tracing %+v, reflection %v", c.Tracing, c.Local.ReflectionEnabled())
	}
	for name, tc := range map[string]struct{ yaml, want string }{
		"endpoint not host:port":    {"tracing: {otlp_endpoint: collector}\n", "tracing.otlp_endpoint"},
		"ratio above 1":             {"tracing: {otlp_endpoint: \"c:4317\", sample_ratio: 2}\n", "tracing.sample_ratio"},
		"settings without endpoint": {"tracing: {insecure: true}\n", "tracing.otlp_endpoint"},
		"insecure and ca":           {"tracing: {otlp_endpoint: \"c:4317\", insecure: true, ca: ca.pem}\n", "tracing.insecure"},
		"unknown tracing key":       {"tracing: {endpoint: \"c:4317\"}\n", "endpoint"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(valid+tc.yaml), dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}
