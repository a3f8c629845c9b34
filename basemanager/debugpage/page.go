// page.go serves a Snapshot: as an HTML page for a person, or as JSON
// (?format=json) for a program, in the manner of net/rpc's /debug/rpc.

package debugpage

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"time"
)

// Handler serves the server that snapshot describes, taking a new snapshot
// on every request: an HTML page by default, the Snapshot itself as JSON
// with ?format=json. It answers GET (and HEAD, as net/http's "GET" routes
// do); any other method gets 405 Method Not Allowed. Responses are never
// cached (Cache-Control: no-store): each one is the server at that moment.
//
// The page shows shared data: serve it on loopback only.
func Handler(snapshot func() Snapshot) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "debugpage: "+r.Method+" not allowed (use GET)", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		switch format := r.URL.Query().Get("format"); format {
		case "", "html":
			serveHTML(w, ordered(snapshot()))
		case "json":
			serveJSON(w, ordered(snapshot()))
		default:
			http.Error(w, fmt.Sprintf("debugpage: unknown format %q (want html or json)", format), http.StatusBadRequest)
		}
	})
}

// ordered returns s with its rows in a stable, readable order: objects by
// id, connections by number, locks by object id, and each connection's
// blocked calls longest first. It sorts copies: s's slices are not changed.
func ordered(s Snapshot) Snapshot {
	s.Objects = sortedCopy(s.Objects, func(a, b Object) int { return cmp.Compare(a.ID, b.ID) })
	s.Locks = sortedCopy(s.Locks, func(a, b Lock) int { return cmp.Compare(a.ObjectID, b.ObjectID) })
	s.Connections = sortedCopy(s.Connections, func(a, b Connection) int { return cmp.Compare(a.Number, b.Number) })
	for i := range s.Connections {
		s.Connections[i].Blocked = sortedCopy(s.Connections[i].Blocked, func(a, b Call) int { return cmp.Compare(b.For, a.For) })
	}
	return s
}

// sortedCopy returns a sorted copy of rows (nil stays nil), rows that
// compare equal keeping their order.
func sortedCopy[Row any](rows []Row, compare func(a, b Row) int) []Row {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, compare)
	return rows
}

// serveJSON writes s as indented JSON, field names as Snapshot's tags give
// them (durations in nanoseconds).
func serveJSON(w http.ResponseWriter, s Snapshot) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		http.Error(w, "debugpage: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(data, '\n'))
}

// serveHTML renders s with the page template. It renders into a buffer
// first, so that a template error is a clean 500, not half a page.
func serveHTML(w http.ResponseWriter, s Snapshot) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, s); err != nil {
		http.Error(w, "debugpage: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// short rounds d for a person to read: to the millisecond, or to the
// microsecond under one millisecond.
func short(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// page is the HTML page. html/template escapes every value for where it
// appears, so an object's String() showing "<b>" shows it, as text.
var page = template.Must(template.New("debugpage").Funcs(template.FuncMap{
	"hex":   func(n uint64) string { return fmt.Sprintf("%016x", n) },
	"short": short,
}).Parse(pageTemplate))

const pageTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>manager server {{.Address}}</title>
<style>
body { font-family: sans-serif; margin: 1em 2em; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; }
</style>
</head>
<body>
<h1>Manager server {{.Address}}</h1>
<table>
<tr><th>address</th><td>{{.Address}}</td></tr>
<tr><th>epoch</th><td><code>{{hex .Epoch}}</code></td></tr>
<tr><th>uptime</th><td>{{short .Uptime}}</td></tr>
<tr><th>calls served</th><td class="n">{{.CallsServed}}</td></tr>
<tr><th>calls failed</th><td class="n">{{.CallsFailed}}</td></tr>
</table>
<p>The same as JSON: <a href="?format=json">?format=json</a>. Reload to see it change.</p>

<h2>Objects ({{len .Objects}})</h2>
<table>
<tr><th>id</th><th>typeid</th><th>refs</th><th>held by connections</th><th>inside objects</th><th>String()</th></tr>
{{range .Objects}}<tr id="object-{{.ID}}">
<td class="n">{{.ID}}</td><td>{{.Typeid}}</td><td class="n">{{.Refs}}</td>
<td>{{range $i, $n := .HeldBy}}{{if $i}}, {{end}}<a href="#connection-{{$n}}">{{$n}}</a>{{else}}none{{end}}</td>
<td>{{range $i, $id := .InsideOf}}{{if $i}}, {{end}}<a href="#object-{{$id}}">{{$id}}</a>{{else}}none{{end}}</td>
<td><code>{{.Str}}</code></td>
</tr>
{{else}}<tr><td colspan="6">no objects</td></tr>
{{end}}</table>

<h2>Connections ({{len .Connections}})</h2>
<table>
<tr><th>number</th><th>peer</th><th>client</th><th>auth</th><th>TLS</th><th>calls in flight</th><th>blocked calls, longest first</th></tr>
{{range .Connections}}<tr id="connection-{{.Number}}">
<td class="n">{{.Number}}</td><td>{{.Peer}}</td><td>{{if .Python}}Python{{else}}Go{{end}}</td>
<td>{{.Auth}}</td><td>{{if .TLS}}yes{{else}}no{{end}}</td><td class="n">{{.InFlight}}</td>
<td>{{range $i, $c := .Blocked}}{{if $i}}<br>{{end}}{{$c.Method}} for {{short $c.For}}{{else}}none{{end}}</td>
</tr>
{{else}}<tr><td colspan="7">no connections</td></tr>
{{end}}</table>

<h2>Lock holders ({{len .Locks}})</h2>
<table>
<tr><th>object</th><th>typeid</th><th>held by connection</th></tr>
{{range .Locks}}<tr>
<td class="n"><a href="#object-{{.ObjectID}}">{{.ObjectID}}</a></td><td>{{.Typeid}}</td>
<td class="n"><a href="#connection-{{.Holder}}">{{.Holder}}</a></td>
</tr>
{{else}}<tr><td colspan="3">no lock is held</td></tr>
{{end}}</table>
</body>
</html>
`
