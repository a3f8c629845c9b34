// array.go mirrors ArrayProxy in Python's managers.py (the Array typeid,
// an array.array): a typed handle with len, indexing and item assignment,
// plus reads of every item or a slice.

package proxy

// Array is a handle to a shared typed array of T values (Python's
// manager.Array(typecode, sequence)). The typecode fixes what the items
// are on the server, as in Python's array module:
//
//	'b' int8    'B' uint8    'h' int16   'H' uint16
//	'i' int32   'I' uint32   'l' int64   'L' uint64
//	'q' int64   'Q' uint64   'f' float32 'd' float64
//	'u', 'w'    string, one character each
//
// T may be any type that converts exactly: Array[int] with 'i' stores
// int32s and reads them back as ints. A value out of the typecode's range
// is refused (Python's OverflowError), as is a value of the wrong kind
// (TypeError): the error wraps ErrBadArgument. Indices may be negative,
// counting from the end; one out of range fails with an error wrapping
// ErrKeyNotFound (Python's IndexError).
type Array[T any] struct{ *Proxy }

// NewArray creates a shared array of typecode holding items: Python's
// manager.Array(typecode, items).
func NewArray[T any](m Getter, typecode string, items []T) (*Array[T], error) {
	registerValueType[T]()
	p, err := m.Get("Array", append([]any{typecode}, anySlice(items)...)...)
	if err != nil {
		return nil, err
	}
	return ArrayOf[T](p), nil
}

// ArrayOf wraps a proxy to an Array whose items read as T.
func ArrayOf[T any](p *Proxy) *Array[T] {
	registerValueType[T]()
	return &Array[T]{p}
}

// Len returns the number of items: Python's len(a).
func (a *Array[T]) Len() (int, error) { return Call[int](a.Proxy, "Len") }

// Get returns the item at index i: Python's a[i].
func (a *Array[T]) Get(i int) (T, error) { return Call[T](a.Proxy, "Get", i) }

// Set replaces the item at index i with v: Python's a[i] = v.
func (a *Array[T]) Set(i int, v T) error {
	_, err := a.CallMethod("Set", i, v)
	return err
}

// Items returns a copy of every item: Python's a[:], or a.tolist().
func (a *Array[T]) Items() ([]T, error) {
	v, err := a.CallMethod("Items")
	if err != nil {
		return nil, err
	}
	return asSlice[T](v, "Array.Items")
}

// Slice returns a copy of the items from index i up to, not including, j:
// Python's a[i:j]. Negative bounds count from the end and bounds beyond
// either end stop there, so a[i:] is Slice(i, math.MaxInt).
func (a *Array[T]) Slice(i, j int) ([]T, error) {
	v, err := a.CallMethod("Slice", i, j)
	if err != nil {
		return nil, err
	}
	return asSlice[T](v, "Array.Slice")
}

// Typecode returns the array's typecode: Python's a.typecode (which
// Python's ArrayProxy does not reach).
func (a *Array[T]) Typecode() (string, error) { return Call[string](a.Proxy, "Typecode") }
