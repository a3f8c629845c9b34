// sync_containers.go lists SyncManager's container typeids (Python's dict,
// list, Value, Namespace and Iterator registrations).

package basemanager

var containerTypes = []syncType{}
