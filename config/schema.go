package config

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of the config file, for editors
// (yaml-language-server) and `serverstats schema`. It describes keys and
// value shapes; Load checks the rest (references, cron syntax, triggers).
// Tests keep it in step with the decoder: every key the decoder knows is
// in it and nothing else.
//
//go:embed schema.json
var Schema []byte
