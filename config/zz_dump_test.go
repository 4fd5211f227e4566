package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

func TestZZDump(t *testing.T) {
	dir := os.Getenv("BCDIR")
	if dir == "" {
		t.Skip()
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	sort.Strings(files)
	for _, f := range files {
		_, err := Load(f)
		if err == nil {
			fmt.Printf("%s: ACCEPTED\n", filepath.Base(f))
			continue
		}
		if es, ok := err.(Errors); ok {
			fmt.Printf("%s [%d]: %s\n", filepath.Base(f), len(es), es[0].Error())
			for _, e := range es[1:] {
				fmt.Printf("      + %s\n", e.Error())
			}
		} else {
			fmt.Printf("%s: RAW %v\n", filepath.Base(f), err)
		}
	}
}
