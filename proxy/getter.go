// getter.go is how the typed handles of the shared types are created from a
// manager, as Python's SyncManager methods (manager.dict(), manager.Queue()).

package proxy

// Getter creates shared objects and returns proxies to them. A connected
// *basemanager.Manager is a Getter; the typed handles (NewQueue, NewDict,
// ...) take one, so creating a shared object is one call.
type Getter interface {
	Get(typeid string, args ...any) (*Proxy, error)
}
