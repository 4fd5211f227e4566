package main

import (
	"slices"
	"strings"

	"serverstats/config"
)

func sortedCommands(cfg *config.Config) []*config.Command {
	cmds := slices.Clone(cfg.Commands)
	slices.SortFunc(cmds, func(a, b *config.Command) int { return strings.Compare(a.Name, b.Name) })
	return cmds
}
