// value.go mirrors ValueProxy in Python's managers.py (the Value typeid):
// get and set, plus atomic Add and CompareAndSwap, which Python lacks.

package proxy

// Value is a handle to one shared value of type T (Python's
// manager.Value(typecode, value)). Go's form has no typecode: T is the
// type. (A Value a Python client made keeps its typecode, which its String
// shows, Value('i', 7); ValueOf wraps a proxy to it, and
// m.Get("Value", "i", 7) makes one from Go.) A T other than a builtin
// scalar travels with gob, so the server's
// process must know the type too (NewValue and ValueOf register it on this
// side).
//
// v.value += 1 through a Python proxy loses updates when clients race; Add
// and CompareAndSwap do the whole update on the server, atomically.
type Value[T any] struct{ *Proxy }

// NewValue creates a shared value holding initial: Python's
// manager.Value(typecode, initial).
func NewValue[T any](m Getter, initial T) (*Value[T], error) {
	registerValueType[T]()
	p, err := m.Get("Value", initial)
	if err != nil {
		return nil, err
	}
	return ValueOf[T](p), nil
}

// ValueOf wraps a proxy to a Value holding a T.
func ValueOf[T any](p *Proxy) *Value[T] {
	registerValueType[T]()
	return &Value[T]{p}
}

// Get returns the value: Python's v.get() and v.value.
func (v *Value[T]) Get() (T, error) { return Call[T](v.Proxy, "Get") }

// Set replaces the value: Python's v.set(x) and v.value = x.
func (v *Value[T]) Set(x T) error {
	_, err := v.CallMethod("Set", x)
	return err
}

// Add adds delta to the value, atomically on the server, and returns the
// new value. Beyond Python. The sum keeps the stored value's type; an
// integer takes only a whole delta, and overflow is an error rather than
// wrapping around. For a T that is not a number it fails with an error
// wrapping ErrBadArgument.
func (v *Value[T]) Add(delta T) (T, error) { return Call[T](v.Proxy, "Add", delta) }

// CompareAndSwap sets the value to new if it equals old, atomically on the
// server, and reports whether it did. Beyond Python. Values compare like
// Python's ==: numbers by value, anything else with reflect.DeepEqual.
func (v *Value[T]) CompareAndSwap(old, new T) (bool, error) {
	return Call[bool](v.Proxy, "CompareAndSwap", old, new)
}
