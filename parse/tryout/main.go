package main

import (
	"fmt"
	"os"
	"strconv"
	"serverstats/parse"
)

func main() {
	b, _ := os.ReadFile(os.Args[1])
	var opt parse.Options
	if len(os.Args) > 2 {
		opt.HeaderLine, _ = strconv.Atoi(os.Args[2])
	}
	t, err := parse.ParseTable(string(b), opt)
	if err != nil {
		fmt.Println("ERR", err)
		return
	}
	fmt.Printf("%q\n", t.Header)
	for _, r := range t.Rows {
		fmt.Printf("%d %v %q\n", r.Line, r.Short, r.Cells)
	}
}
