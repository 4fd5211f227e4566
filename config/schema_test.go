package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	if err != nil {
		t.Fatalf("schema.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("schema.json does not compile: %v", err)
	}
	return s
}

// validateYAML checks a YAML document against the schema as an editor
// would: the YAML read into JSON values.
func validateYAML(s *jsonschema.Schema, text []byte) error {
	var v any
	if err := yaml.Unmarshal(text, &v); err != nil {
		return err
	}
	j, err := json.Marshal(v)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// exampleConfigs are every config the project shows as valid: testdata's
// good*.yaml, the bundled examples and the README's YAML snippets.
func exampleConfigs(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, pat := range []string{"../testdata/config/good*.yaml", "../examples/*.yaml"} {
		files, _ := filepath.Glob(pat)
		if len(files) == 0 {
			t.Fatalf("no files match %s", pat)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out[f] = b
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, blk := range strings.Split(string(readme), "```yaml\n")[1:] {
		text, _, _ := strings.Cut(blk, "```")
		if strings.HasPrefix(text, " ") {
			continue // a piece of a rule or a command, shown indented as in place
		}
		out[fmt.Sprintf("README.md yaml block %d", i+1)] = []byte(text)
	}
	return out
}

// TestSchemaAcceptsExamples: every example config and README snippet is
// valid against the schema.
func TestSchemaAcceptsExamples(t *testing.T) {
	s := compileSchema(t)
	examples := exampleConfigs(t)
	for name, text := range examples {
		if err := validateYAML(s, text); err != nil {
			t.Errorf("%s fails the schema:\n%v", name, err)
		}
	}
	if len(examples) < 6 {
		t.Errorf("only %d examples checked", len(examples))
	}
}

// TestSchemaOrLoadRejectsBadConfigs: every bad config in testdata fails
// the schema, or Load (what a schema cannot say: references, cron syntax,
// triggers).
func TestSchemaOrLoadRejectsBadConfigs(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob("../testdata/config/bad*.yaml")
	if len(files) < 10 {
		t.Fatalf("only %d bad configs in testdata/config", len(files))
	}
	bySchema := 0
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		schemaErr := validateYAML(s, text)
		_, loadErr := Load(f)
		if schemaErr == nil && loadErr == nil {
			t.Errorf("%s passes both the schema and Load", f)
		}
		if schemaErr != nil {
			bySchema++
		}
	}
	t.Logf("%d of %d bad configs fail the schema; the rest fail Load", bySchema, len(files))
}

// schemaKeysAt lists the properties of the schema object at path (object
// keys and array indexes).
func schemaKeysAt(t *testing.T, path ...string) []string {
	t.Helper()
	var node any
	if err := json.Unmarshal(Schema, &node); err != nil {
		t.Fatal(err)
	}
	for _, p := range path {
		switch n := node.(type) {
		case map[string]any:
			node = n[p]
		case []any:
			i, _ := strconv.Atoi(p)
			node = n[i]
		}
		if node == nil {
			t.Fatalf("schema has no %v", path)
		}
	}
	props, _ := node.(map[string]any)["properties"].(map[string]any)
	var keys []string
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var validKeys = regexp.MustCompile(`valid keys here: (.*)$`)

// TestSchemaKeysMatchDecoder keeps the schema from drifting: for each
// mapping the decoder reads, an unknown key there makes Load list the keys
// it knows, and the schema must have exactly those.
func TestSchemaKeysMatchDecoder(t *testing.T) {
	const base = "commands:\n  c:\n    servers: [localhost]\n    cmd: df -h\n"
	cmd := []string{"properties", "commands", "additionalProperties"}
	rule := append(slices.Clone(cmd), "properties", "alerts", "anyOf", "1", "items")
	type tc struct {
		yaml   string
		schema []string
	}
	cases := []tc{
		{"zz-unknown: 1\n" + base, nil},
		{"ssh: {zz-unknown: 1}\n" + base, []string{"properties", "ssh"}},
		{"daemon: {zz-unknown: 1}\n" + base, []string{"properties", "daemon"}},
		{"delivery: {zz-unknown: 1}\n" + base, []string{"properties", "delivery"}},
		{"on-command-failure: {zz-unknown: 1}\n" + base, []string{"properties", "on-command-failure"}},
		{"maintenance: [{zz-unknown: 1}]\n" + base, []string{"properties", "maintenance", "items"}},
		{"hosts: {localhost: {zz-unknown: 1}}\n" + base, []string{"properties", "hosts", "additionalProperties"}},
		{base + "    zz-unknown: 1\n", cmd},
		{base + "    alerts: [{zz-unknown: 1}]\n", rule},
		{base + "    alerts: [{trigger: '> 1', action: {zz-unknown: 1}}]\n", append(slices.Clone(rule), "properties", "action", "anyOf", "1")},
		{base + "    alerts: [{trigger: '> 1', flap: {zz-unknown: 1}}]\n", append(slices.Clone(rule), "properties", "flap", "anyOf", "1")},
		{base + "    alerts: [{trigger: '> 1', escalate: [{zz-unknown: 1}]}]\n", append(slices.Clone(rule), "properties", "escalate", "items")},
	}
	for i, typ := range HandlerTypes {
		cases = append(cases, tc{fmt.Sprintf("handlers: {h: {type: %s, zz-unknown: 1}}\n", typ) + base,
			[]string{"properties", "handlers", "additionalProperties", "oneOf", strconv.Itoa(i)}})
	}
	for _, c := range cases {
		_, err := Parse("t.yaml", []byte(c.yaml))
		var es Errors
		if !errors.As(err, &es) {
			t.Fatalf("%q: want an unknown-key error, got %v", c.yaml, err)
		}
		var decoder []string
		for _, e := range es {
			if m := validKeys.FindStringSubmatch(e.Fix); m != nil && strings.Contains(e.Msg, "zz-unknown") {
				decoder = strings.Split(m[1], ", ")
			}
		}
		if decoder == nil {
			t.Errorf("%q: no unknown-key error listing the valid keys: %v", c.yaml, err)
			continue
		}
		sort.Strings(decoder)
		if schema := schemaKeysAt(t, c.schema...); !slices.Equal(decoder, schema) {
			t.Errorf("keys differ at %v:\ndecoder: %v\nschema:  %v", c.schema, decoder, schema)
		}
	}
}

// TestSchemaReservedNames: the schema refuses the built-in subcommand
// names as command names, as Load does.
func TestSchemaReservedNames(t *testing.T) {
	s := compileSchema(t)
	for _, name := range Reserved {
		if err := validateYAML(s, []byte("commands:\n  "+name+": {servers: [localhost], cmd: uptime}\n")); err == nil {
			t.Errorf("schema accepts the reserved command name %q", name)
		}
	}
}

// TestSchemaEnumsMatchConfig: the schema's lists of handler types and host
// key policies are the config's own.
func TestSchemaEnumsMatchConfig(t *testing.T) {
	var root struct {
		Properties struct {
			Handlers struct {
				AdditionalProperties struct {
					OneOf []struct {
						Properties struct {
							Type struct {
								Const string `json:"const"`
							} `json:"type"`
						} `json:"properties"`
					} `json:"oneOf"`
				} `json:"additionalProperties"`
			} `json:"handlers"`
			SSH struct {
				Properties struct {
					Policy struct {
						Enum []string `json:"enum"`
					} `json:"host-key-policy"`
				} `json:"properties"`
			} `json:"ssh"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(Schema, &root); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, v := range root.Properties.Handlers.AdditionalProperties.OneOf {
		types = append(types, v.Properties.Type.Const)
	}
	if !slices.Equal(types, HandlerTypes) {
		t.Errorf("schema handler types %v, config %v (same order)", types, HandlerTypes)
	}
	if p := root.Properties.SSH.Properties.Policy.Enum; !slices.Equal(p, HostKeyPolicies) {
		t.Errorf("schema host key policies %v, config %v", p, HostKeyPolicies)
	}
}
