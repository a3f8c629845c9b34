// readme_test.go keeps the repository's README.md honest: every Go block in
// it is a complete program that compiles in this module, and the README
// stays short enough to be read before the code.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// readmePath is the repository's README, from this package's directory.
var readmePath = filepath.Join("..", "README.md")

// maxREADMESize is the most README.md may hold, in bytes.
const maxREADMESize = 16 << 10

// fencedBlocks returns the contents of the fenced code blocks in md whose
// info string is exactly lang, in order.
func fencedBlocks(md, lang string) []string {
	var blocks []string
	var cur []string
	in, want := false, false
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		if !in {
			if strings.HasPrefix(trimmed, "```") {
				in = true
				want = strings.TrimSpace(strings.TrimPrefix(trimmed, "```")) == lang
				cur = nil
			}
			continue
		}
		if trimmed == "```" {
			if want {
				blocks = append(blocks, strings.Join(cur, "\n")+"\n")
			}
			in = false
			continue
		}
		cur = append(cur, line)
	}
	return blocks
}

// goTool returns the go command: the one on PATH (go test puts its own
// GOROOT/bin first), else the one in this toolchain's GOROOT.
func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no go command to build the README's blocks with: %v", err)
	}
	return p
}

// TestREADMECodeBlocksCompile builds every ```go block of README.md as if it
// were the file demo/readme_block_N/main.go of this module (through
// go build -overlay: nothing is written inside the repository).
func TestREADMECodeBlocksCompile(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	blocks := fencedBlocks(string(data), "go")
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block")
	}
	demoDir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	gocmd := goTool(t)
	tmp := t.TempDir()
	for i, block := range blocks {
		n := i + 1
		t.Run(fmt.Sprintf("block%d", n), func(t *testing.T) {
			if !strings.HasPrefix(strings.TrimSpace(block), "package main") {
				t.Fatalf("README.md ```go block %d does not start with package main:\n%s", n, block)
			}
			if formatted, err := format.Source([]byte(block)); err == nil && string(formatted) != block {
				t.Errorf("README.md ```go block %d is not gofmt-formatted; gofmt gives:\n%s", n, formatted)
			}
			src := filepath.Join(tmp, fmt.Sprintf("block%d.go", n))
			if err := os.WriteFile(src, []byte(block), 0o600); err != nil {
				t.Fatal(err)
			}
			pkgDir := filepath.Join(demoDir, fmt.Sprintf("readme_block_%d", n))
			if _, err := os.Stat(pkgDir); err == nil {
				t.Fatalf("%s exists on disk; the overlay needs a directory that does not", pkgDir)
			}
			overlay, err := json.Marshal(map[string]map[string]string{
				"Replace": {filepath.Join(pkgDir, "main.go"): src},
			})
			if err != nil {
				t.Fatal(err)
			}
			overlayFile := filepath.Join(tmp, fmt.Sprintf("overlay%d.json", n))
			if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
				t.Fatal(err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, gocmd, "build",
				"-overlay", overlayFile,
				"-o", filepath.Join(tmp, fmt.Sprintf("block%d.bin", n)),
				"./"+filepath.Base(pkgDir))
			cmd.Dir = demoDir
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Errorf("README.md ```go block %d does not compile (%v):\n%s\nthe block:\n%s", n, err, out.String(), numbered(block))
			}
		})
	}
}

// numbered returns src with line numbers, to read compiler errors against.
func numbered(src string) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(src, "\n"), "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, line)
	}
	return b.String()
}

// TestREADMESize checks that README.md stays short and keeps its shape: at
// most 16 KiB, Go code to read, and the way on to the code.
func TestREADMESize(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > maxREADMESize {
		t.Errorf("README.md is %d bytes, more than %d: move detail to the package docs or a linked page", len(data), maxREADMESize)
	}
	md := string(data)
	if !strings.Contains(md, "```go\n") {
		t.Error("README.md has no ```go block")
	}
	if !strings.Contains(md, "Reading order") && !strings.Contains(md, "Where to read next") {
		t.Error(`README.md has neither "Reading order" nor "Where to read next"`)
	}
	// The first section after the title is the lesson's: its two commands.
	_, rest, ok := strings.Cut(md, "\n## ")
	if !ok {
		t.Fatal("README.md has no ## section")
	}
	first, _, _ := strings.Cut(rest, "\n## ")
	for _, want := range []string{"./run_demo.sh", "go test ./...", "ProcessB"} {
		if !strings.Contains(first, want) {
			t.Errorf("README.md's first section lacks %q", want)
		}
	}
}
