// types.go adapts the shared types of NewSyncManager to the calls
// Python's own proxies make (Python's DictProxy, ListProxy, AcquirerProxy,
// EventProxy, ValueProxy, the Queue's AutoProxy, ... in managers.py): method
// names such as __getitem__ and get_nowait, optional and keyword arguments
// such as get(block=True, timeout=None), and the exceptions Python raises
// (queue.Empty, KeyError, IndexError, RuntimeError, ...). Objects of any
// other type are called by name, snake_case mapped to CamelCase.

package python

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"gomanager/basemanager/pickle"
	"gomanager/basemanager/sharedtypes"
	"gomanager/proxy"
)

// Values Python clients store in shared objects travel to Go clients too.
func init() {
	gob.Register(pickle.Tuple{})
	gob.Register(pickle.Dict{})
	gob.Register(pickle.Set{})
	gob.Register(pickle.FrozenSet{})
}

// pyArgs are the arguments of one Python call: positional and keyword.
type pyArgs struct {
	method string
	pos    pickle.Tuple
	kw     pickle.Dict
}

// pyParam is one parameter of a Python signature; the zero value is a
// required parameter.
type pyParam struct {
	name     string
	def      any
	optional bool
}

// opt is an optional parameter with its default.
func opt(name string, def any) pyParam { return pyParam{name: name, def: def, optional: true} }

// bind matches the call against the parameters, as Python binds a call to
// a signature, and returns one value per parameter. Mismatches are
// Python's TypeError.
func (a *pyArgs) bind(params ...pyParam) ([]any, error) {
	if len(a.pos) > len(params) {
		return nil, pyError("TypeError", fmt.Sprintf("%s() takes %d positional arguments but %d were given", a.method, len(params), len(a.pos)))
	}
	out := make([]any, len(params))
	set := make([]bool, len(params))
	for i, v := range a.pos {
		out[i], set[i] = v, true
	}
	for _, it := range a.kw {
		name, _ := it.Key.(string)
		i := slices.IndexFunc(params, func(p pyParam) bool { return p.name == name })
		switch {
		case i < 0:
			return nil, pyError("TypeError", fmt.Sprintf("%s() got an unexpected keyword argument %s", a.method, pickle.Repr(it.Key)))
		case set[i]:
			return nil, pyError("TypeError", fmt.Sprintf("%s() got multiple values for argument '%s'", a.method, name))
		}
		out[i], set[i] = it.Value, true
	}
	for i, p := range params {
		if !set[i] {
			if !p.optional {
				return nil, pyError("TypeError", fmt.Sprintf("%s() missing required argument: '%s'", a.method, p.name))
			}
			out[i] = p.def
		}
	}
	return out, nil
}

// pyMethod is one Python method of a shared type: the Go method it
// reaches (the typeid's exposed list must allow it) and the adapter.
type pyMethod struct {
	goName string
	call   func(ctx context.Context, recv any, a *pyArgs) (any, error)
}

// pyType is what Python clients see of one shared type.
type pyType struct {
	methods  map[string]pyMethod
	repr     func(recv any) string // repr() of the referent; nil: the Go __repr__
	getvalue func(recv any) any    // _getvalue(); nil: the Go #GETVALUE
}

// pyCallFunc is how pyCall runs a method, adapted or not.
type pyCallFunc func(ctx context.Context, obj Object, a *pyArgs) (any, error)

// pyTypeOf returns the adapter of the object's type, or nil.
func pyTypeOf(obj Object) *pyType {
	return pyTypes[reflect.TypeOf(obj.Referent())]
}

// pythonMethod finds what a Python call of method runs on obj, and the Go
// method it reaches, unless the name is not exposed.
func pythonMethod(obj Object, method string) (pyCallFunc, string, bool) {
	if t := pyTypeOf(obj); t != nil {
		m, ok := t.methods[method]
		if !ok || !obj.IsExposed(m.goName) {
			return nil, "", false
		}
		return func(ctx context.Context, obj Object, a *pyArgs) (any, error) {
			return m.call(ctx, obj.Referent(), a)
		}, m.goName, true
	}
	for _, goName := range obj.Exposed() {
		if (goName == method || snakeCase(goName) == method) && !pyHooks[goName] {
			return func(ctx context.Context, obj Object, a *pyArgs) (any, error) {
				if len(a.kw) > 0 {
					return nil, pyError("TypeError", fmt.Sprintf("%s() of a Go object takes no keyword arguments", method))
				}
				return obj.Call(ctx, goName, toGo(a.pos).(pickle.Tuple))
			}, goName, true
		}
	}
	return nil, "", false
}

// pyHooks are Go methods Python clients reach through Python's own
// protocol (str(), repr(), _getvalue()) or not at all; they are left out
// of the exposed lists Python clients see.
var pyHooks = map[string]bool{"String": true, "GoString": true, "PyRepr": true, "GetValue": true, "Abandon": true}

// pythonExposed lists the methods a Python proxy of obj may call, by
// their Python names, sorted.
func pythonExposed(obj Object) []string {
	var names []string
	if t := pyTypeOf(obj); t != nil {
		for name, m := range t.methods {
			if obj.IsExposed(m.goName) {
				names = append(names, name)
			}
		}
	} else {
		for _, goName := range obj.Exposed() {
			if !pyHooks[goName] {
				names = append(names, snakeCase(goName))
			}
		}
	}
	slices.Sort(names)
	return names
}

// snakeCase is the Python name of a Go method: Capitalize → capitalize,
// IsSet → is_set, TaskDone → task_done, NWaiting → n_waiting,
// ServeHTTP → serve_http.
func snakeCase(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 &&
			(!unicode.IsUpper(r[i-1]) || i+1 < len(r) && unicode.IsLower(r[i+1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// toGo turns a decoded Python value into the Go value a method gets: a
// dict becomes a map[any]any when Go can hash its keys (it stays a
// pickle.Dict otherwise); everything else keeps its pickle form (see
// pickle.Unmarshal), with its contents converted.
func toGo(v any) any {
	switch x := v.(type) {
	case pickle.Tuple:
		out := make(pickle.Tuple, len(x))
		for i, e := range x {
			out[i] = toGo(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toGo(e)
		}
		return out
	case pickle.Dict:
		m := make(map[any]any, len(x))
		for _, it := range x {
			k := toGo(it.Key)
			if !pickle.Hashable(k) {
				out := make(pickle.Dict, len(x))
				for i, it := range x {
					out[i] = pickle.Item{Key: toGo(it.Key), Value: toGo(it.Value)}
				}
				return out
			}
			m[k] = toGo(it.Value)
		}
		return m
	}
	return v
}

// pyKey turns a Python dict key into a Go map key: a tuple becomes an
// array ([n]any, written back as a tuple), bytes a [n]byte (written back
// as bytes). Keys Go cannot compare (lists, dicts, ints beyond 64 bits)
// are Python's TypeError.
func pyKey(v any) (any, error) {
	switch x := v.(type) {
	case pickle.Tuple:
		arr := reflect.New(reflect.ArrayOf(len(x), reflect.TypeFor[any]())).Elem()
		for i, e := range x {
			k, err := pyKey(e)
			if err != nil {
				return nil, err
			}
			if k != nil {
				arr.Index(i).Set(reflect.ValueOf(k))
			}
		}
		return arr.Interface(), nil
	case []byte:
		arr := reflect.New(reflect.ArrayOf(len(x), reflect.TypeFor[byte]())).Elem()
		reflect.Copy(arr, reflect.ValueOf(x))
		return arr.Interface(), nil
	case *big.Int, pickle.FrozenSet:
		return nil, pyError("TypeError", fmt.Sprintf("%s is not supported as a key by the Go server", pyTypeName(v)))
	}
	if !pickle.Hashable(v) {
		return nil, pyError("TypeError", fmt.Sprintf("unhashable type: '%s'", pyTypeName(v)))
	}
	return v, nil
}

// pyTypeName is Python's type(v).__name__ for a decoded value.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case pickle.Tuple:
		return "tuple"
	case []any:
		return "list"
	case pickle.Dict, map[any]any:
		return "dict"
	case pickle.Set:
		return "set"
	case pickle.FrozenSet:
		return "frozenset"
	case pickle.Slice:
		return "slice"
	}
	return fmt.Sprintf("%T", v)
}

// truth is Python's bool(v).
func truth(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case *big.Int:
		return x.Sign() != 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.Array:
		return rv.Len() > 0
	}
	return true
}

// pyInt is Python's operator.index(v): an int (or bool), nothing else.
func pyInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case *big.Int:
		return 0, pyError("OverflowError", "Python int too large to convert to C ssize_t")
	}
	return 0, pyError("TypeError", fmt.Sprintf("'%s' object cannot be interpreted as an integer", pyTypeName(v)))
}

// pySeconds reads a timeout: None is -1 (no timeout), a number is seconds.
func pySeconds(v any) (float64, error) {
	switch x := v.(type) {
	case nil:
		return -1, nil
	case int:
		return float64(x), nil
	case float64:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, pyError("TypeError", fmt.Sprintf("'%s' object cannot be interpreted as a timeout", pyTypeName(v)))
}

// timeoutArg binds the one argument of a wait method, timeout=None, as
// threading's waits read it: None waits for ever (-1), and a negative
// number does not wait at all (0).
func timeoutArg(a *pyArgs) (float64, error) {
	p, err := a.bind(opt("timeout", nil))
	if err != nil {
		return 0, err
	}
	t, err := pySeconds(p[0])
	if err == nil && p[0] != nil && t < 0 {
		t = 0
	}
	return t, err
}

// pyItems is Python's list(iterable) for the iterables a pickle carries;
// a dict gives its keys, as iterating one does.
func pyItems(v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case pickle.Tuple:
		return x, nil
	case pickle.Set:
		return x, nil
	case pickle.FrozenSet:
		return x, nil
	case pickle.Dict:
		keys := make([]any, len(x))
		for i, it := range x {
			keys[i] = it.Key
		}
		return keys, nil
	case string:
		var chars []any
		for _, r := range x {
			chars = append(chars, string(r))
		}
		return chars, nil
	case []byte:
		ints := make([]any, len(x))
		for i, c := range x {
			ints[i] = int(c)
		}
		return ints, nil
	}
	return nil, pyError("TypeError", fmt.Sprintf("'%s' object is not iterable", pyTypeName(v)))
}

// pyPairs reads the keys and values of Python's dict(mapping_or_pairs,
// **kw) into alternating keys and values, keys made Go map keys.
func pyPairs(v any, kw pickle.Dict) ([]any, error) {
	var items []pickle.Item
	switch x := v.(type) {
	case pickle.Dict:
		items = append(items, x...)
	default:
		seq, err := pyItems(v)
		if err != nil {
			return nil, err
		}
		for i, e := range seq {
			pair, err := pyItems(e)
			if err != nil || len(pair) != 2 {
				return nil, pyError("ValueError", fmt.Sprintf("dictionary update sequence element #%d has the wrong length", i))
			}
			items = append(items, pickle.Item{Key: pair[0], Value: pair[1]})
		}
	}
	items = append(items, kw...)
	out := make([]any, 0, 2*len(items))
	for _, it := range items {
		k, err := pyKey(toGo(it.Key))
		if err != nil {
			return nil, err
		}
		out = append(out, k, toGo(it.Value))
	}
	return out, nil
}

// fromKey undoes pyKey for keys going back to Python: [n]any arrays
// become tuples. (Byte arrays are written as bytes by the encoder.)
func fromKey(k any) any {
	rv := reflect.ValueOf(k)
	if rv.Kind() == reflect.Array && rv.Type().Elem().Kind() == reflect.Interface {
		t := make(pickle.Tuple, rv.Len())
		for i := range t {
			t[i] = fromKey(rv.Index(i).Interface())
		}
		return t
	}
	return k
}

// orderedDict is a shared dict as Python's dict: a pickle.Dict in key order.
func orderedDict(d *sharedtypes.Dict) pickle.Dict {
	keys, values := d.Items()
	out := make(pickle.Dict, len(keys))
	for i := range keys {
		out[i] = pickle.Item{Key: fromKey(keys[i]), Value: values[i]}
	}
	return out
}

// pyConstructors adapt Python's calls of SyncManager's typeids (Queue(),
// Value('i', 0), dict(a=1), ...) to the arguments of the Go constructors,
// found by the registered callable.
var pyConstructors = map[uintptr]func(a *pyArgs) ([]any, error){}

func init() {
	none := func(a *pyArgs) ([]any, error) { _, err := a.bind(); return nil, err }
	intArg := func(name string, def int) func(a *pyArgs) ([]any, error) {
		return func(a *pyArgs) ([]any, error) {
			n, err := bindInt(a, opt(name, def))
			if err != nil {
				return nil, err
			}
			return []any{n}, nil
		}
	}
	set := func(f any, adapt func(a *pyArgs) ([]any, error)) {
		pyConstructors[reflect.ValueOf(f).Pointer()] = adapt
	}
	set(sharedtypes.NewQueue, intArg("maxsize", 0))
	set(sharedtypes.NewEvent, none)
	set(sharedtypes.NewLock, none)
	set(sharedtypes.NewRLock, none)
	set(sharedtypes.NewSemaphore, intArg("value", 1))
	set(sharedtypes.NewBoundedSemaphore, intArg("value", 1))
	set(sharedtypes.NewCondition, func(a *pyArgs) ([]any, error) {
		p, err := a.bind(opt("lock", nil))
		if err == nil && p[0] != nil {
			err = pyError("TypeError", "Condition(lock) is not supported by the Go server: a Condition has its own lock")
		}
		return nil, err
	})
	set(sharedtypes.NewBarrier, func(a *pyArgs) ([]any, error) {
		p, err := a.bind(pyParam{name: "parties"}, opt("action", nil), opt("timeout", nil))
		if err != nil {
			return nil, err
		}
		if p[1] != nil {
			return nil, pyError("TypeError", "Barrier(action=...) is not supported by the Go server")
		}
		n, err := pyInt(p[0])
		if err != nil {
			return nil, err
		}
		t, err := pySeconds(p[2])
		return []any{n, t}, err
	})
	set(sharedtypes.NewDict, func(a *pyArgs) ([]any, error) {
		var kw pickle.Dict
		a.kw, kw = nil, a.kw
		p, err := a.bind(opt("mapping", pickle.Tuple{}))
		if err != nil {
			return nil, err
		}
		return pyPairs(p[0], kw)
	})
	set(sharedtypes.NewList, func(a *pyArgs) ([]any, error) {
		p, err := a.bind(opt("iterable", pickle.Tuple{}))
		if err != nil {
			return nil, err
		}
		items, err := pyItems(p[0])
		return toGo(pickle.Tuple(items)).(pickle.Tuple), err
	})
	set(sharedtypes.NewValue, func(a *pyArgs) ([]any, error) {
		// The typecode is kept, unchecked, for repr, as Python's manager
		// keeps it; Python's manager ignores lock, and so does this.
		p, err := a.bind(pyParam{name: "typecode"}, pyParam{name: "value"}, opt("lock", true))
		if err != nil {
			return nil, err
		}
		return []any{toGo(p[0]), toGo(p[1])}, nil
	})
	set(sharedtypes.NewNamespace, func(a *pyArgs) ([]any, error) {
		if len(a.pos) > 0 {
			return nil, pyError("TypeError", "Namespace() takes keyword arguments only")
		}
		var out []any
		for _, it := range a.kw {
			out = append(out, it.Key, toGo(it.Value))
		}
		return out, nil
	})
}

// pyCreateArgs adapts the arguments of a Python create request to the
// registered callable.
func pyCreateArgs(typeid string, callable any, a *pyArgs) ([]any, error) {
	if callable == nil {
		// Python's register(typeid) with no callable: create(typeid, obj).
		if len(a.kw) > 0 || len(a.pos) != 1 {
			return nil, pyError("ValueError", "Without callable, must have one non-keyword argument")
		}
		return []any{toGo(a.pos[0])}, nil
	}
	if adapt := pyConstructors[reflect.ValueOf(callable).Pointer()]; adapt != nil {
		return adapt(a)
	}
	if len(a.kw) > 0 {
		return nil, pyError("TypeError", fmt.Sprintf("%s() of a Go callable takes no keyword arguments", typeid))
	}
	return toGo(a.pos).(pickle.Tuple), nil
}

// pyTypes are the shared types' Python faces, by the referent's Go type.
var pyTypes = map[reflect.Type]*pyType{}

func init() {
	pyTypes[reflect.TypeFor[*sharedtypes.Queue]()] = queuePyType()
	pyTypes[reflect.TypeFor[*sharedtypes.Event]()] = eventPyType()
	pyTypes[reflect.TypeFor[*sharedtypes.Lock]()] = lockPyType()
	pyTypes[reflect.TypeFor[*sharedtypes.RLock]()] = rlockPyType()
	pyTypes[reflect.TypeFor[*sharedtypes.Semaphore]()] = semaphorePyType()
	pyTypes[reflect.TypeFor[*sharedtypes.Condition]()] = conditionPyType()
	pyTypes[reflect.TypeFor[*sharedtypes.Barrier]()] = barrierPyType()
	pyTypes[reflect.TypeFor[*sharedtypes.Dict]()] = dictPyType()
	pyTypes[reflect.TypeFor[*sharedtypes.List]()] = listPyType()
	pyTypes[reflect.TypeFor[*sharedtypes.Value]()] = valuePyType()
	pyTypes[reflect.TypeFor[*sharedtypes.Namespace]()] = namespacePyType()
	pyTypes[reflect.TypeFor[*sharedtypes.Iterator]()] = iteratorPyType()
}

// withArgs adapts a method whose Python signature is params: it binds the
// call to them (see pyArgs.bind) and calls f with the receiver, as its Go
// type T, and the bound values, one per parameter.
func withArgs[T any](goName string, params []pyParam, f func(ctx context.Context, x T, p []any) (any, error)) pyMethod {
	return pyMethod{goName, func(ctx context.Context, recv any, a *pyArgs) (any, error) {
		p, err := a.bind(params...)
		if err != nil {
			return nil, err
		}
		return f(ctx, recv.(T), p)
	}}
}

// noArgs adapts a method Python calls without arguments.
func noArgs[T any](goName string, f func(T) (any, error)) pyMethod {
	return withArgs(goName, nil, func(_ context.Context, x T, _ []any) (any, error) { return f(x) })
}

// bindInt binds a call with one argument, param, and reads it as an int
// as Python's operator.index does (count=2, n=1, index=-1, ...).
func bindInt(a *pyArgs, param pyParam) (int, error) {
	p, err := a.bind(param)
	if err != nil {
		return 0, err
	}
	return pyInt(p[0])
}

// queuePyType is queue.Queue behind Python's AutoProxy.
func queuePyType() *pyType {
	put := func(nowait bool) pyMethod {
		return pyMethod{"Put", func(ctx context.Context, recv any, a *pyArgs) (any, error) {
			params := []pyParam{{name: "item"}, opt("block", true), opt("timeout", nil)}
			if nowait {
				params = params[:1]
			}
			p, err := a.bind(params...)
			if err != nil {
				return nil, err
			}
			block, timeout, err := queueWait(p, nowait)
			if err != nil {
				return nil, err
			}
			return nil, recv.(*sharedtypes.Queue).Put(ctx, toGo(p[0]), block, timeout)
		}}
	}
	get := func(nowait bool) pyMethod {
		return pyMethod{"Get", func(ctx context.Context, recv any, a *pyArgs) (any, error) {
			params := []pyParam{opt("block", true), opt("timeout", nil)}
			if nowait {
				params = nil
			}
			p, err := a.bind(params...)
			if err != nil {
				return nil, err
			}
			block, timeout, err := queueWait(append([]any{nil}, p...), nowait)
			if err != nil {
				return nil, err
			}
			return recv.(*sharedtypes.Queue).Get(ctx, block, timeout)
		}}
	}
	return &pyType{methods: map[string]pyMethod{
		"put":        put(false),
		"put_nowait": put(true),
		"get":        get(false),
		"get_nowait": get(true),
		"qsize":      noArgs("Qsize", func(x *sharedtypes.Queue) (any, error) { return x.Qsize(), nil }),
		"empty":      noArgs("Empty", func(x *sharedtypes.Queue) (any, error) { return x.Empty(), nil }),
		"full":       noArgs("Full", func(x *sharedtypes.Queue) (any, error) { return x.Full(), nil }),
		"task_done": noArgs("TaskDone", func(x *sharedtypes.Queue) (any, error) {
			if err := x.TaskDone(); err != nil {
				return nil, pyError("ValueError", "task_done() called too many times")
			}
			return nil, nil
		}),
		"join": withArgs("Join", nil, func(ctx context.Context, x *sharedtypes.Queue, _ []any) (any, error) {
			return nil, x.Join(ctx)
		}),
		"shutdown": withArgs("Shutdown", []pyParam{opt("immediate", false)}, func(_ context.Context, x *sharedtypes.Queue, p []any) (any, error) {
			x.Shutdown(truth(p[0]))
			return nil, nil
		}),
	}}
}

// queueWait reads put's and get's block and timeout (p[1], p[2]) as
// queue.Queue does.
func queueWait(p []any, nowait bool) (bool, float64, error) {
	if nowait {
		return false, 0, nil
	}
	block := truth(p[1])
	timeout, err := pySeconds(p[2])
	if err != nil {
		return false, 0, err
	}
	if block && p[2] != nil && timeout < 0 {
		return false, 0, pyError("ValueError", "'timeout' must be a non-negative number")
	}
	return block, timeout, nil
}

// eventPyType is threading.Event behind Python's EventProxy.
func eventPyType() *pyType {
	return &pyType{methods: map[string]pyMethod{
		"is_set": noArgs("IsSet", func(e *sharedtypes.Event) (any, error) { return e.IsSet(), nil }),
		"set":    noArgs("Set", func(e *sharedtypes.Event) (any, error) { e.Set(); return nil, nil }),
		"clear":  noArgs("Clear", func(e *sharedtypes.Event) (any, error) { e.Clear(); return nil, nil }),
		"wait": {"Wait", func(ctx context.Context, recv any, a *pyArgs) (any, error) {
			t, err := timeoutArg(a)
			if err != nil {
				return nil, err
			}
			return recv.(*sharedtypes.Event).Wait(ctx, t)
		}},
	}}
}

// acquireArgs reads acquire(blocking=True, timeout=-1) as threading.Lock
// does (AcquirerProxy sends the timeout only when it is not None).
func acquireArgs(a *pyArgs) (bool, float64, error) {
	p, err := a.bind(opt("blocking", true), opt("timeout", -1))
	if err != nil {
		return false, 0, err
	}
	blocking := truth(p[0])
	timeout, err := pySeconds(p[1])
	switch {
	case err != nil:
		return false, 0, err
	case !blocking && p[1] != nil && timeout != -1:
		return false, 0, pyError("ValueError", "can't specify a timeout for a non-blocking call")
	case timeout < 0 && timeout != -1 && p[1] != nil:
		return false, 0, pyError("ValueError", "timeout value must be a non-negative number")
	}
	return blocking, timeout, nil
}

// acquirer is what Lock, RLock, Semaphore and Condition share.
type acquirer interface {
	Acquire(ctx context.Context, blocking bool, timeout float64) (acquired, abandoned bool, err error)
}

// acquire is acquire() of any of them: the result is only whether it was
// acquired (an abandoned lock is acquired; Python has no such notion).
var acquire = pyMethod{"Acquire", func(ctx context.Context, recv any, a *pyArgs) (any, error) {
	blocking, timeout, err := acquireArgs(a)
	if err != nil {
		return nil, err
	}
	ok, _, err := recv.(acquirer).Acquire(ctx, blocking, timeout)
	return ok, err
}}

// releaser adapts release() for the types whose Release takes the caller.
func releaser(notOwner string, release func(ctx context.Context, recv any) error) pyMethod {
	return withArgs("Release", nil, func(ctx context.Context, recv any, _ []any) (any, error) {
		err := release(ctx, recv)
		if errors.Is(err, proxy.ErrNotOwner) {
			return nil, pyError("RuntimeError", notOwner)
		}
		return nil, err
	})
}

// lockPyType is threading.Lock behind Python's AcquirerProxy.
func lockPyType() *pyType {
	return &pyType{methods: map[string]pyMethod{
		"acquire": acquire,
		"release": releaser("release unlocked lock", func(_ context.Context, recv any) error {
			return recv.(*sharedtypes.Lock).Release()
		}),
		"locked": noArgs("Locked", func(l *sharedtypes.Lock) (any, error) { return l.Locked(), nil }),
	}}
}

// rlockPyType is threading.RLock: its owner is the Python client thread,
// whose connection is the caller here.
func rlockPyType() *pyType {
	return &pyType{methods: map[string]pyMethod{
		"acquire": acquire,
		"release": releaser("cannot release un-acquired lock", func(ctx context.Context, recv any) error {
			return recv.(*sharedtypes.RLock).Release(ctx)
		}),
		"locked": noArgs("Locked", func(l *sharedtypes.RLock) (any, error) { return l.Locked(), nil }),
	}}
}

// semaphorePyType is threading.Semaphore and BoundedSemaphore.
func semaphorePyType() *pyType {
	return &pyType{methods: map[string]pyMethod{
		"acquire": withArgs("Acquire", []pyParam{opt("blocking", true), opt("timeout", nil)}, func(ctx context.Context, x *sharedtypes.Semaphore, p []any) (any, error) {
			blocking := truth(p[0])
			if !blocking && p[1] != nil {
				return nil, pyError("ValueError", "can't specify timeout for non-blocking acquire")
			}
			timeout, err := pySeconds(p[1])
			if err != nil {
				return nil, err
			}
			if p[1] != nil && timeout < 0 {
				timeout = 0
			}
			ok, _, err := x.Acquire(ctx, blocking, timeout)
			return ok, err
		}),
		"release": {"Release", func(ctx context.Context, recv any, a *pyArgs) (any, error) {
			n, err := bindInt(a, opt("n", 1))
			if err != nil {
				return nil, err
			}
			if n < 1 {
				return nil, pyError("ValueError", "n must be one or more")
			}
			for range n {
				if err := recv.(*sharedtypes.Semaphore).Release(ctx); err != nil {
					return nil, err
				}
			}
			return nil, nil
		}},
	}}
}

// conditionPyType is threading.Condition behind Python's ConditionProxy.
func conditionPyType() *pyType {
	c := func(recv any) *sharedtypes.Condition { return recv.(*sharedtypes.Condition) }
	notOwner := func(what string, err error) error {
		if errors.Is(err, proxy.ErrNotOwner) {
			return pyError("RuntimeError", "cannot "+what+" on un-acquired lock")
		}
		return err
	}
	return &pyType{methods: map[string]pyMethod{
		"acquire": acquire,
		"release": releaser("cannot release un-acquired lock", func(ctx context.Context, recv any) error {
			return c(recv).Release(ctx)
		}),
		"wait": {"Wait", func(ctx context.Context, recv any, a *pyArgs) (any, error) {
			t, err := timeoutArg(a)
			if err != nil {
				return nil, err
			}
			notified, _, err := c(recv).Wait(ctx, t)
			return notified, notOwner("wait", err)
		}},
		"notify": {"Notify", func(ctx context.Context, recv any, a *pyArgs) (any, error) {
			n, err := bindInt(a, opt("n", 1))
			if err != nil {
				return nil, err
			}
			return nil, notOwner("notify", c(recv).Notify(ctx, n))
		}},
		"notify_all": withArgs("NotifyAll", nil, func(ctx context.Context, x *sharedtypes.Condition, _ []any) (any, error) {
			return nil, notOwner("notify", x.NotifyAll(ctx))
		}),
	}}
}

// barrierPyType is threading.Barrier behind Python's BarrierProxy, whose
// properties are read with __getattribute__.
func barrierPyType() *pyType {
	b := func(recv any) *sharedtypes.Barrier { return recv.(*sharedtypes.Barrier) }
	return &pyType{methods: map[string]pyMethod{
		"wait": {"Wait", func(ctx context.Context, recv any, a *pyArgs) (any, error) {
			t, err := timeoutArg(a)
			if err != nil {
				return nil, err
			}
			return b(recv).Wait(ctx, t)
		}},
		"abort": noArgs("Abort", func(x *sharedtypes.Barrier) (any, error) { x.Abort(); return nil, nil }),
		"reset": noArgs("Reset", func(x *sharedtypes.Barrier) (any, error) { x.Reset(); return nil, nil }),
		"__getattribute__": withArgs("Parties", []pyParam{{name: "name"}}, func(_ context.Context, x *sharedtypes.Barrier, p []any) (any, error) {
			switch p[0] {
			case "parties":
				return x.Parties(), nil
			case "n_waiting":
				return x.NWaiting(), nil
			case "broken":
				return x.Broken(), nil
			}
			return nil, pyError("AttributeError", fmt.Sprintf("'Barrier' object has no attribute %s", pickle.Repr(p[0])))
		}),
	}}
}

// keyArg binds a method's one key argument and makes it a Go map key.
func keyArg(a *pyArgs, params ...pyParam) ([]any, any, error) {
	p, err := a.bind(append([]pyParam{{name: "key"}}, params...)...)
	if err != nil {
		return nil, nil, err
	}
	k, err := pyKey(toGo(p[0]))
	return p, k, err
}

// noDefault marks an optional parameter the caller did not pass, where
// None is a valid value (dict.pop's default).
var noDefault any = new(struct{ byte })

// keyError is Python's KeyError(key) for a missing key.
func keyError(key any) error {
	return pickle.NewException("builtins", "KeyError", key)
}

// dictPyType is dict behind Python's DictProxy.
func dictPyType() *pyType {
	d := func(recv any) *sharedtypes.Dict { return recv.(*sharedtypes.Dict) }
	keyed := func(goName string, params []pyParam, f func(d *sharedtypes.Dict, key any, p []any) (any, error)) pyMethod {
		return pyMethod{goName, func(_ context.Context, recv any, a *pyArgs) (any, error) {
			p, k, err := keyArg(a, params...)
			if err != nil {
				return nil, err
			}
			v, err := f(d(recv), k, p)
			if errors.Is(err, proxy.ErrKeyNotFound) {
				return nil, keyError(p[0])
			}
			return v, err
		}}
	}
	return &pyType{
		repr:     func(recv any) string { return pickle.Repr(orderedDict(d(recv))) },
		getvalue: func(recv any) any { return orderedDict(d(recv)) },
		methods: map[string]pyMethod{
			"__getitem__": keyed("Get", nil, func(d *sharedtypes.Dict, k any, _ []any) (any, error) { return d.Get(k) }),
			"__setitem__": keyed("Set", []pyParam{{name: "value"}}, func(d *sharedtypes.Dict, k any, p []any) (any, error) {
				return nil, d.Set(k, toGo(p[1]))
			}),
			"__delitem__": keyed("Delete", nil, func(d *sharedtypes.Dict, k any, _ []any) (any, error) { return nil, d.Delete(k) }),
			"__contains__": keyed("Contains", nil, func(d *sharedtypes.Dict, k any, _ []any) (any, error) {
				return d.Contains(k), nil
			}),
			"get": keyed("GetDefault", []pyParam{opt("default", nil)}, func(d *sharedtypes.Dict, k any, p []any) (any, error) {
				return d.GetDefault(k, p[1])
			}),
			"pop": {"Pop", func(_ context.Context, recv any, a *pyArgs) (any, error) {
				p, k, err := keyArg(a, opt("default", noDefault))
				if err != nil {
					return nil, err
				}
				if p[1] != noDefault {
					return d(recv).PopDefault(k, p[1])
				}
				v, err := d(recv).Pop(k)
				if errors.Is(err, proxy.ErrKeyNotFound) {
					return nil, keyError(p[0])
				}
				return v, err
			}},
			"setdefault": keyed("SetDefault", []pyParam{opt("default", nil)}, func(d *sharedtypes.Dict, k any, p []any) (any, error) {
				return d.SetDefault(k, toGo(p[1]))
			}),
			"__len__": noArgs("Len", func(x *sharedtypes.Dict) (any, error) { return x.Len(), nil }),
			"keys": noArgs("Keys", func(x *sharedtypes.Dict) (any, error) {
				keys := x.Keys()
				for i, k := range keys {
					keys[i] = fromKey(k)
				}
				return keys, nil
			}),
			"values": noArgs("Values", func(x *sharedtypes.Dict) (any, error) { return x.Values(), nil }),
			"items": noArgs("Items", func(x *sharedtypes.Dict) (any, error) {
				items := make([]any, 0, x.Len())
				for _, it := range orderedDict(x) {
					items = append(items, pickle.Tuple{it.Key, it.Value})
				}
				return items, nil
			}),
			"clear": noArgs("Clear", func(x *sharedtypes.Dict) (any, error) { x.Clear(); return nil, nil }),
			"copy":  noArgs("Copy", func(x *sharedtypes.Dict) (any, error) { return orderedDict(x), nil }),
			"popitem": noArgs("PopItem", func(x *sharedtypes.Dict) (any, error) {
				k, v, err := x.PopItem()
				if errors.Is(err, proxy.ErrKeyNotFound) {
					return nil, keyError("popitem(): dictionary is empty")
				}
				return pickle.Tuple{fromKey(k), v}, err
			}),
			"update": {"Update", func(_ context.Context, recv any, a *pyArgs) (any, error) {
				var kw pickle.Dict
				a2 := *a
				a2.kw, kw = nil, a.kw
				p, err := a2.bind(opt("other", pickle.Tuple{}))
				if err != nil {
					return nil, err
				}
				pairs, err := pyPairs(p[0], kw)
				if err != nil {
					return nil, err
				}
				return nil, d(recv).Update(pairs...)
			}},
			"__iter__": noArgs("Iter", func(x *sharedtypes.Dict) (any, error) { return x.Iter(), nil }),
		},
	}
}

// listPyType is list behind Python's ListProxy.
//
// Python clients get Python's rules for the items (pyorder.go), as a list
// in a CPython server has them: count, index, remove and in (__contains__)
// use Python's == (1 == 1.0 == True, tuples and lists item by item, dicts
// by keys and values, ints beyond 64 bits by value, NaN equal to nothing);
// sort orders what Python's < orders (numbers of every kind together,
// str, bytes, tuples and lists item by item, sets by inclusion), with
// CPython's algorithm (stable, also with reverse=True), and raises
// Python's TypeError ('<' not supported between instances of 'str' and
// 'int') from the comparison Python's would, leaving the items permuted
// as Python does. key= cannot be given: a function does not travel.
//
// Go clients keep sharedtypes.List's Go rules: == on numbers of any Go
// type and reflect.DeepEqual otherwise (true is not 1), and a Sort of all
// numbers or all strings that changes nothing when it fails. Both run
// under the list's own lock (List.Edit), so each call is atomic for both.
func listPyType() *pyType {
	l := func(recv any) *sharedtypes.List { return recv.(*sharedtypes.List) }
	index := func(a *pyArgs, params ...pyParam) ([]any, int, error) {
		p, err := a.bind(append([]pyParam{{name: "index"}}, params...)...)
		if err != nil {
			return nil, 0, err
		}
		if _, ok := p[0].(pickle.Slice); ok {
			return nil, 0, pyError("TypeError", fmt.Sprintf("%s() with a slice is not supported by the Go server", a.method))
		}
		i, err := pyInt(p[0])
		return p, i, err
	}
	outOfRange := func(msg string, err error) error {
		if errors.Is(err, proxy.ErrKeyNotFound) {
			return pyError("IndexError", msg)
		}
		return err
	}
	value := []pyParam{{name: "value"}}
	repeat := func(goName string) pyMethod {
		return pyMethod{goName, func(_ context.Context, recv any, a *pyArgs) (any, error) {
			n, err := bindInt(a, pyParam{name: "value"})
			if err != nil {
				return nil, err
			}
			items := l(recv).Copy()
			if n <= 0 || len(items) == 0 {
				return []any{}, nil
			}
			if n > pyMaxItems/len(items) {
				return nil, tooLong(len(items), n)
			}
			return slices.Repeat(items, n), nil
		}}
	}
	return &pyType{
		repr:     func(recv any) string { return pickle.Repr(l(recv).Copy()) },
		getvalue: func(recv any) any { return l(recv).Copy() },
		methods: map[string]pyMethod{
			"__getitem__": withArgs("Get", []pyParam{{name: "index"}}, func(_ context.Context, x *sharedtypes.List, p []any) (any, error) {
				if s, ok := p[0].(pickle.Slice); ok {
					return pySlice(x.Copy(), s)
				}
				i, err := pyInt(p[0])
				if err != nil {
					return nil, err
				}
				v, err := x.Get(i)
				return v, outOfRange("list index out of range", err)
			}),
			"__setitem__": {"Set", func(_ context.Context, recv any, a *pyArgs) (any, error) {
				p, i, err := index(a, pyParam{name: "value"})
				if err != nil {
					return nil, err
				}
				return nil, outOfRange("list assignment index out of range", l(recv).Set(i, toGo(p[1])))
			}},
			"__delitem__": {"Delete", func(_ context.Context, recv any, a *pyArgs) (any, error) {
				_, i, err := index(a)
				if err != nil {
					return nil, err
				}
				return nil, outOfRange("list assignment index out of range", l(recv).Delete(i))
			}},
			"__len__": noArgs("Len", func(x *sharedtypes.List) (any, error) { return x.Len(), nil }),
			"__contains__": withArgs("Contains", value, func(_ context.Context, x *sharedtypes.List, p []any) (any, error) {
				found := false
				err := x.Edit(func(items []any) ([]any, error) {
					found = slices.ContainsFunc(items, equalTo(toGo(p[0])))
					return items, nil
				})
				return found, err
			}),
			"__add__": withArgs("Concat", value, func(_ context.Context, x *sharedtypes.List, p []any) (any, error) {
				other, ok := p[0].([]any)
				if !ok {
					return nil, pyError("TypeError", fmt.Sprintf(`can only concatenate list (not "%s") to list`, pyTypeName(p[0])))
				}
				return x.Concat(toGo(other).([]any)...), nil
			}),
			"__mul__":  repeat("Copy"),
			"__rmul__": repeat("Copy"),
			"__imul__": {"MulInPlace", func(_ context.Context, recv any, a *pyArgs) (any, error) {
				n, err := bindInt(a, pyParam{name: "value"})
				if err != nil {
					return nil, err
				}
				if size := l(recv).Len(); size > 0 && n > pyMaxItems/size {
					return nil, tooLong(size, n)
				}
				return nil, l(recv).MulInPlace(n)
			}},
			"__reversed__": noArgs("Copy", func(x *sharedtypes.List) (any, error) {
				items := x.Copy()
				slices.Reverse(items)
				return items, nil
			}),
			"append": withArgs("Append", []pyParam{{name: "object"}}, func(_ context.Context, x *sharedtypes.List, p []any) (any, error) {
				x.Append(toGo(p[0]))
				return nil, nil
			}),
			"extend": withArgs("Extend", []pyParam{{name: "iterable"}}, func(_ context.Context, x *sharedtypes.List, p []any) (any, error) {
				items, err := pyItems(p[0])
				if err != nil {
					return nil, err
				}
				x.Extend(toGo(items).([]any)...)
				return nil, nil
			}),
			"insert": {"Insert", func(_ context.Context, recv any, a *pyArgs) (any, error) {
				p, i, err := index(a, pyParam{name: "object"})
				if err != nil {
					return nil, err
				}
				l(recv).Insert(i, toGo(p[1]))
				return nil, nil
			}},
			"pop": {"Pop", func(_ context.Context, recv any, a *pyArgs) (any, error) {
				i, err := bindInt(a, opt("index", -1))
				if err != nil {
					return nil, err
				}
				if l(recv).Len() == 0 {
					return nil, pyError("IndexError", "pop from empty list")
				}
				v, err := l(recv).Pop(i)
				return v, outOfRange("pop index out of range", err)
			}},
			"remove": withArgs("Remove", value, func(_ context.Context, x *sharedtypes.List, p []any) (any, error) {
				return nil, x.Edit(func(items []any) ([]any, error) {
					i := slices.IndexFunc(items, equalTo(toGo(p[0])))
					if i < 0 {
						return items, pyError("ValueError", "list.remove(x): x not in list")
					}
					return slices.Delete(items, i, i+1), nil
				})
			}),
			"index": withArgs("Index", []pyParam{{name: "value"}, opt("start", 0), opt("stop", math.MaxInt)}, func(_ context.Context, x *sharedtypes.List, p []any) (any, error) {
				items := x.Copy()
				start, err1 := pyInt(p[1])
				stop, err2 := pyInt(p[2])
				if err := errors.Join(err1, err2); err != nil {
					return nil, err
				}
				i, j := sharedtypes.SliceBounds(start, stop, len(items))
				v := toGo(p[0])
				for k := i; k < j; k++ {
					if pyEqual(items[k], v) {
						return k, nil
					}
				}
				return nil, pyError("ValueError", fmt.Sprintf("%s is not in list", pickle.Repr(p[0])))
			}),
			"count": withArgs("Count", value, func(_ context.Context, x *sharedtypes.List, p []any) (any, error) {
				n, equal := 0, equalTo(toGo(p[0]))
				err := x.Edit(func(items []any) ([]any, error) {
					for _, it := range items {
						if equal(it) {
							n++
						}
					}
					return items, nil
				})
				return n, err
			}),
			"reverse": noArgs("Reverse", func(x *sharedtypes.List) (any, error) { x.Reverse(); return nil, nil }),
			"sort": {"Sort", func(_ context.Context, recv any, a *pyArgs) (any, error) {
				if len(a.pos) > 0 { // list.sort(*, key=None, reverse=False)
					return nil, pyError("TypeError", "sort() takes no positional arguments")
				}
				p, err := a.bind(opt("key", nil), opt("reverse", false))
				if err != nil {
					return nil, err
				}
				if p[0] != nil {
					return nil, pyError("TypeError", "sort(key=...) is not supported by the Go server")
				}
				reverse := truth(p[1]) // as Python 3.12+ reads it; an int before
				return nil, l(recv).Edit(func(items []any) ([]any, error) { return items, pySort(items, reverse) })
			}},
			"clear": noArgs("Clear", func(x *sharedtypes.List) (any, error) { x.Clear(); return nil, nil }),
			"copy":  noArgs("Copy", func(x *sharedtypes.List) (any, error) { return x.Copy(), nil }),
		},
	}
}

// pyMaxItems bounds the lists l * n and l *= n may make for a Python
// client, so that one small request cannot make the server allocate
// without limit (Python's MemoryError).
const pyMaxItems = 1 << 22

func tooLong(size, n int) error {
	return pyError("MemoryError", fmt.Sprintf("a list of %d items repeated %d times is over the server's limit of %d items", size, n, pyMaxItems))
}

// equalTo returns Python's == v (pyEqual) as a predicate.
func equalTo(v any) func(any) bool {
	return func(item any) bool { return pyEqual(item, v) }
}

// pySlice is items[s], Python's list slicing with any step (CPython's
// PySlice_Unpack and PySlice_AdjustIndices).
func pySlice(items []any, s pickle.Slice) (any, error) {
	step := 1
	if s.Step != nil {
		var err error
		if step, err = pyInt(s.Step); err != nil {
			return nil, err
		}
		if step == 0 {
			return nil, pyError("ValueError", "slice step cannot be zero")
		}
	}
	n := len(items)
	// A step longer than the list takes one item at most: shorten it so
	// that no arithmetic below can overflow.
	step = max(min(step, n+1), -(n + 1))
	bound := func(v any, none int) (int, error) {
		if v == nil {
			return none, nil
		}
		i, err := pyInt(v)
		if err != nil {
			return 0, err
		}
		switch {
		case i < 0:
			if i += n; i < 0 {
				i = 0
				if step < 0 {
					i = -1
				}
			}
		case i >= n:
			i = n
			if step < 0 {
				i = n - 1
			}
		}
		return i, nil
	}
	startNone, stopNone := 0, n
	if step < 0 {
		startNone, stopNone = n-1, -1
	}
	start, err := bound(s.Start, startNone)
	if err != nil {
		return nil, err
	}
	stop, err := bound(s.Stop, stopNone)
	if err != nil {
		return nil, err
	}
	// Count the items first: start + k*step never overflows then.
	count := 0
	switch {
	case step > 0 && start < stop:
		count = (stop-start-1)/step + 1
	case step < 0 && start > stop:
		count = (start-stop-1)/-step + 1
	}
	out := make([]any, count)
	for k := range out {
		out[k] = items[start+k*step]
	}
	return out, nil
}

// valuePyType is managers.Value behind Python's ValueProxy (get, set, and
// the value property, which calls them).
func valuePyType() *pyType {
	return &pyType{
		repr:     func(recv any) string { return recv.(*sharedtypes.Value).Pickle().Repr() },
		getvalue: func(recv any) any { return recv.(*sharedtypes.Value).Pickle() },
		methods: map[string]pyMethod{
			"get": noArgs("Get", func(v *sharedtypes.Value) (any, error) { return v.Get(), nil }),
			"set": withArgs("Set", []pyParam{{name: "value"}}, func(_ context.Context, x *sharedtypes.Value, p []any) (any, error) {
				x.Set(toGo(p[0]))
				return nil, nil
			}),
		},
	}
}

// namespacePyType is managers.Namespace behind Python's NamespaceProxy.
func namespacePyType() *pyType {
	ns := func(recv any) *sharedtypes.Namespace { return recv.(*sharedtypes.Namespace) }
	noAttr := func(name any, err error) error {
		if errors.Is(err, proxy.ErrKeyNotFound) {
			return pyError("AttributeError", fmt.Sprintf("'Namespace' object has no attribute %s", pickle.Repr(name)))
		}
		return err
	}
	name := func(a *pyArgs, params ...pyParam) ([]any, string, error) {
		p, err := a.bind(append([]pyParam{{name: "name"}}, params...)...)
		if err != nil {
			return nil, "", err
		}
		s, ok := p[0].(string)
		if !ok {
			return nil, "", pyError("TypeError", fmt.Sprintf("attribute name must be string, not '%s'", pyTypeName(p[0])))
		}
		return p, s, nil
	}
	return &pyType{methods: map[string]pyMethod{
		"__getattribute__": {"Get", func(_ context.Context, recv any, a *pyArgs) (any, error) {
			_, n, err := name(a)
			if err != nil {
				return nil, err
			}
			v, err := ns(recv).Get(n)
			return v, noAttr(n, err)
		}},
		"__setattr__": {"Set", func(_ context.Context, recv any, a *pyArgs) (any, error) {
			p, n, err := name(a, pyParam{name: "value"})
			if err != nil {
				return nil, err
			}
			ns(recv).Set(n, toGo(p[1]))
			return nil, nil
		}},
		"__delattr__": {"Delete", func(_ context.Context, recv any, a *pyArgs) (any, error) {
			_, n, err := name(a)
			if err != nil {
				return nil, err
			}
			return nil, noAttr(n, ns(recv).Delete(n))
		}},
	}}
}

// iteratorPyType is an iterator behind Python's IteratorProxy.
func iteratorPyType() *pyType {
	return &pyType{methods: map[string]pyMethod{
		"__next__": {"Next", func(_ context.Context, recv any, a *pyArgs) (any, error) {
			if len(a.pos) > 0 || len(a.kw) > 0 {
				return nil, pyError("TypeError", "__next__() takes no arguments")
			}
			v, err := recv.(*sharedtypes.Iterator).Next()
			if err == nil {
				v = fromKey(v) // a dict's keys
			}
			return v, err
		}},
		"close": {"Next", func(context.Context, any, *pyArgs) (any, error) { return nil, nil }},
	}}
}
