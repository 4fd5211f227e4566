package config

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// secondDocument returns the line of the "---" that starts a second YAML
// document with content in data, or 0. yaml.Unmarshal reads the first
// document only: the rest of the file would be ignored without a word.
func secondDocument(data []byte) int {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first, second yaml.Node
	if err := dec.Decode(&first); err != nil {
		return 0
	}
	err := dec.Decode(&second)
	if errors.Is(err, io.EOF) || err == nil && (len(second.Content) == 0 || second.Content[0].Tag == "!!null") {
		return 0
	}
	at := second.Line
	if err == nil && len(second.Content) > 0 {
		at = second.Content[0].Line
	}
	// The separator is the last "---" line at or above the document's
	// first node.
	lines := strings.Split(string(data), "\n")
	for n := min(at, len(lines)); n >= 1; n-- {
		if l := strings.TrimRight(lines[n-1], " \r"); l == "---" || strings.HasPrefix(l, "--- ") {
			return n
		}
	}
	return max(at, 1)
}

// flatten replaces each list inside the list items by its items: [*web,
// db1] where &web is a list of hosts is one list of hosts.
func flatten(items []*yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for _, it := range items {
		if it.Kind == yaml.SequenceNode {
			out = append(out, it.Content...)
			continue
		}
		out = append(out, it)
	}
	return out
}

// maxAliasDepth bounds how deep aliases expand into aliases.
const maxAliasDepth = 32

// expandAliases replaces each alias (*name) by a copy of the node its
// anchor (&name) marks, at the alias's line, and merges the mappings of
// "<<: *name" keys into theirs (keys written next to "<<" win), so that the
// decoder sees the values the user meant.
func expandAliases(n *yaml.Node, depth int) *yaml.Node {
	if n == nil || depth > maxAliasDepth {
		return n
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		c := *expandAliases(n.Alias, depth+1)
		c.Line, c.Column, c.Anchor = n.Line, n.Column, ""
		return &c
	}
	content := make([]*yaml.Node, 0, len(n.Content))
	var merged []*yaml.Node
	for i := 0; i < len(n.Content); i++ {
		c := n.Content[i]
		if n.Kind == yaml.MappingNode && i%2 == 0 && c.Kind == yaml.ScalarNode && c.Value == "<<" && c.Tag == "!!merge" && i+1 < len(n.Content) {
			v := expandAliases(n.Content[i+1], depth+1)
			srcs := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				srcs = v.Content
			}
			for _, m := range srcs {
				if m.Kind == yaml.MappingNode {
					merged = append(merged, m.Content...)
				}
			}
			i++
			continue
		}
		content = append(content, expandAliases(c, depth+1))
	}
	// Merged keys come after the written ones, and only those not written.
	for i := 0; i+1 < len(merged); i += 2 {
		if n.Kind == yaml.MappingNode && mappingNode(&yaml.Node{Kind: yaml.MappingNode, Content: content}, merged[i].Value) == nil {
			content = append(content, merged[i], merged[i+1])
		}
	}
	n.Content = content
	return n
}
