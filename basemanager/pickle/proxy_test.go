// proxy_test.go checks proxies in pickles against every CPython found
// (3.8 to 3.13): what BaseProxy.__reduce__ writes, RebuildProxy(proxytype,
// token, serializer, kwds), decodes to a ProxyRef in every protocol, what
// Marshal writes of a ProxyRef CPython's RebuildProxy rebuilds, and
// RebuildProxy of anything but a proxy type is refused.

package pickle_test

import (
	"bufio"
	"encoding/hex"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gomanager/basemanager/internal/testkit"
	"gomanager/basemanager/pickle"
)

// proxyScript runs testdata/python/proxy_pickle.py under py.
func proxyScript(t *testing.T, py testkit.Python, stdin string, arg string) string {
	t.Helper()
	cmd := exec.Command(py.Path, filepath.Join("..", "..", "testdata", "python", "proxy_pickle.py"), arg)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("proxy_pickle.py %s: %v\n%s", arg, err, out)
	}
	return string(out)
}

func TestProxyPickles(t *testing.T) {
	testkit.ForEachPython(t, testProxyPickles)
}

func testProxyPickles(t *testing.T, py testkit.Python) {
	want := map[string]pickle.ProxyRef{
		"d": {Class: "DictProxy", Token: pickle.Token{Typeid: "dict", Address: pickle.Tuple{"127.0.0.1", 5000}, ID: "7-1f"}, Serializer: "pickle", Kwds: pickle.Dict{}},
		"l": {Class: "ListProxy", Token: pickle.Token{Typeid: "list", Address: "/tmp/gomanager.sock", ID: "8-1f"}, Serializer: "pickle", Kwds: pickle.Dict{}},
		"q": {Class: "AutoProxy", Token: pickle.Token{Typeid: "Queue", Address: pickle.Tuple{"127.0.0.1", 5000}, ID: "9-1f"}, Serializer: "pickle",
			Kwds: pickle.Dict{{Key: "exposed", Value: pickle.Tuple{"get", "put"}}}},
	}
	sc := bufio.NewScanner(strings.NewReader(proxyScript(t, py, "", "dump")))
	protocols := 0
	for sc.Scan() {
		protocol, hexed, _ := strings.Cut(sc.Text(), "\t")
		data, err := hex.DecodeString(hexed)
		if err != nil {
			t.Fatal(err)
		}
		v, err := pickle.Unmarshal(data)
		if err != nil {
			t.Fatalf("protocol %s: %v", protocol, err)
		}
		d, ok := v.(pickle.Dict)
		if !ok {
			t.Fatalf("protocol %s: %s, want a dict", protocol, pickle.Repr(v))
		}
		got := map[string]any{}
		for _, it := range d {
			got[it.Key.(string)] = it.Value
		}
		for k, w := range want {
			if pickle.Repr(got[k]) != pickle.Repr(w) || pickle.Repr(got[k].(pickle.ProxyRef).Kwds) != pickle.Repr(w.Kwds) {
				t.Errorf("protocol %s: %q is %s, want %s", protocol, k, pickle.Repr(got[k]), pickle.Repr(w))
			}
		}
		if twice := pickle.Repr(got["twice"]); twice != pickle.Repr([]any{want["d"], want["d"]}) {
			t.Errorf("protocol %s: the same proxy twice (the memo) is %s", protocol, twice)
		}
		protocols++
	}
	if protocols != 4 {
		t.Fatalf("read %d pickles, want protocols 2 to 5", protocols)
	}

	// What Marshal writes, CPython's RebuildProxy rebuilds (without incref).
	noIncref := pickle.Dict{{Key: "incref", Value: false}}
	var lines []string
	for _, k := range []string{"d", "l", "q"} {
		r := want[k]
		r.Kwds = append(append(pickle.Dict{}, r.Kwds...), noIncref...)
		data, err := pickle.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, hex.EncodeToString(data))
	}
	got := proxyScript(t, py, strings.Join(lines, "\n")+"\n", "load")
	wantOut := "DictProxy Token(typeid='dict', address=('127.0.0.1', 5000), id='7-1f') " +
		"['__contains__', '__delitem__', '__getitem__', '__iter__', '__len__', '__setitem__', 'clear', 'copy', 'get', 'items', 'keys', 'pop', 'popitem', 'setdefault', 'update', 'values']\n"
	if first, _, _ := strings.Cut(got, "\n"); first+"\n" != wantOut {
		t.Errorf("CPython rebuilt %q, want %q", first, wantOut)
	}
	for _, w := range []string{"ListProxy Token(typeid='list', address='/tmp/gomanager.sock', id='8-1f')", "AutoProxy[Queue] Token(typeid='Queue', address=('127.0.0.1', 5000), id='9-1f') ['get', 'put']"} {
		if !strings.Contains(got, w) {
			t.Errorf("CPython rebuilt:\n%s\nwant a line starting %q", got, w)
		}
	}
}

// RebuildProxy only ever builds a ProxyRef, of one of managers' proxy
// types: RebuildProxy of another class, or with other arguments, is
// refused or malformed, never called; a ProxyRef naming another class is
// not written.
func TestRebuildProxyRefused(t *testing.T) {
	tests := []struct {
		name string
		data string
		want error
	}{
		// RebuildProxy(multiprocessing.managers.Token, ...): not a proxy type.
		{"Token as the proxy type", "\x80\x04\x8c\x18multiprocessing.managers\x8c\x0cRebuildProxy\x93(\x8c\x18multiprocessing.managers\x8c\x05Token\x93" +
			"\x8c\x18multiprocessing.managers\x8c\x05Token\x93)\x81\x8c\x04dict\x8c\x01a\x8c\x011\x87b\x8c\x06pickle}tR.", pickle.ErrRefused},
		// RebuildProxy(builtins.dict, ...): not in the allow-list at all.
		{"builtins.dict as the proxy type", "\x80\x04\x8c\x18multiprocessing.managers\x8c\x0cRebuildProxy\x93(\x8c\x08builtins\x8c\x04dict\x93tR.", pickle.ErrRefused},
		// RebuildProxy(DictProxy, 'not a token', 'pickle', {}).
		{"a str for the token", "\x80\x04\x8c\x18multiprocessing.managers\x8c\x0cRebuildProxy\x93(\x8c\x18multiprocessing.managers\x8c\x09DictProxy\x93" +
			"\x8c\x01x\x8c\x06pickle}tR.", pickle.ErrMalformed},
		// DictProxy() called directly: only RebuildProxy builds proxies.
		{"a proxy type called", "\x80\x04\x8c\x18multiprocessing.managers\x8c\x09DictProxy\x93)R.", pickle.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := pickle.Unmarshal([]byte(tt.data))
			if !errors.Is(err, tt.want) {
				t.Errorf("Unmarshal = %s, %v; want an error wrapping %v", pickle.Repr(v), err, tt.want)
			}
		})
	}
	_, err := pickle.Marshal(pickle.ProxyRef{Class: "posix.system", Token: pickle.Token{Typeid: "x", ID: "1"}, Serializer: "pickle"})
	if !errors.Is(err, pickle.ErrUnsupported) {
		t.Errorf("Marshal of a ProxyRef naming posix.system: %v, want ErrUnsupported", err)
	}
}

// MarshalWith writes what replace gives for values Marshal does not know,
// and stops at replace's error.
func TestMarshalWithReplaces(t *testing.T) {
	type stored struct{ id string }
	replace := func(v any) (any, bool, error) {
		s, ok := v.(*stored)
		if !ok {
			return nil, false, nil
		}
		if s.id == "" {
			return nil, true, errors.New("no id")
		}
		return pickle.ProxyRef{Class: "DictProxy", Token: pickle.Token{Typeid: "dict", Address: "/s", ID: s.id}, Serializer: "pickle"}, true, nil
	}
	data, err := pickle.MarshalWith(map[string]any{"k": []any{&stored{id: "1-2"}}}, 1<<20, replace)
	if err != nil {
		t.Fatal(err)
	}
	v, err := pickle.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pickle.Repr(v), "{'k': [<DictProxy object, Token(typeid='dict', address='/s', id='1-2')>]}"; got != want {
		t.Errorf("MarshalWith wrote %s, want %s", got, want)
	}
	if _, err := pickle.MarshalWith([]any{&stored{}}, 1<<20, replace); err == nil || err.Error() != "no id" {
		t.Errorf("MarshalWith with replace failing: %v, want its error", err)
	}
	if _, err := pickle.MarshalWith([]any{struct{}{}}, 1<<20, replace); !errors.Is(err, pickle.ErrUnsupported) {
		t.Errorf("MarshalWith of a value replace does not take: %v, want ErrUnsupported", err)
	}
}
