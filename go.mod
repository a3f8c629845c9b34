module gomanager

go 1.26
