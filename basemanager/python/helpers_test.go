package python_test

import (
	"testing"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
)

// waitLimit bounds every wait in these tests: it is how long we give
// something that should happen at once before calling the test failed.
const waitLimit = testkit.WaitLimit

// typeid is one registration: the server registers callable under name.
type typeid struct {
	name     string
	callable any
	opts     []basemanager.RegisterOption
}

func reg(name string, callable any, opts ...basemanager.RegisterOption) typeid {
	return typeid{name: name, callable: callable, opts: opts}
}

// receive bounds a wait by waitLimit (package testkit).
func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	return testkit.Receive(t, c, what)
}
