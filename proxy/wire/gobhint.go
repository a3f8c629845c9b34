// gobhint.go explains a user's value that gob could not encode or decode
// because a type is not registered, from the point of view of the program
// that failed: the sender that never registered its type, or the receiver
// that does not know the name the sender registered it under.

package wire

import (
	"fmt"
	"strconv"
	"strings"
)

// The texts encoding/gob fails with when a type inside an interface is not
// registered: the encoder names the Go type, the decoder quotes the name
// the sender registered it under.
const (
	gobUnregisteredType = "gob: type not registered for interface: "
	gobUnregisteredName = "gob: name not registered for interface: "
)

// encodeError wraps an error of gob encoding values. When gob failed
// because this program has not registered the type, the hint says so.
func encodeError(err error) error {
	typ, ok := strings.CutPrefix(err.Error(), gobUnregisteredType)
	if !ok {
		return err
	}
	return fmt.Errorf("%w (hint: this program must register %s with gob before sending it: "+
		"gob.Register with a value of the type, or gob.RegisterName with the name the peer registers it under)", err, typ)
}

// decodeError wraps an error of gob decoding values. When gob failed
// because the peer sent a type name this program does not know, the hint
// names it and says how both programs come to agree on it.
func decodeError(err error) error {
	quoted, ok := strings.CutPrefix(err.Error(), gobUnregisteredName)
	if !ok {
		return err
	}
	name, uerr := strconv.Unquote(quoted)
	if uerr != nil {
		name = quoted
	}
	return fmt.Errorf("%w (hint: the peer sent a value of type %q that this program has not registered; "+
		"both programs must agree on the type: use one package both import, which registers it with gob.Register, "+
		"or gob.RegisterName with the same name on both sides)", err, name)
}
