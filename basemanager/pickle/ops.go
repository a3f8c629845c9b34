// ops.go lists the pickle opcodes this package reads or writes, named as in
// CPython's Lib/pickle.py. Every other opcode is refused.

package pickle

const (
	opMark           = '('  // push the mark
	opStop           = '.'  // end of the pickle
	opPop            = '0'  // discard the top of the stack
	opPopMark        = '1'  // discard the stack down to the mark
	opDup            = '2'  // push a copy of the top
	opNone           = 'N'  // push None
	opBinInt         = 'J'  // push a 4-byte signed int
	opBinInt1        = 'K'  // push a 1-byte unsigned int
	opBinInt2        = 'M'  // push a 2-byte unsigned int
	opBinFloat       = 'G'  // push an 8-byte big-endian float
	opBinUnicode     = 'X'  // push a str, 4-byte length
	opShortBinBytes  = 'C'  // push bytes, 1-byte length
	opBinBytes       = 'B'  // push bytes, 4-byte length
	opEmptyTuple     = ')'  // push ()
	opTuple          = 't'  // build a tuple from the items above the mark
	opEmptyList      = ']'  // push []
	opAppend         = 'a'  // append the top to the list below it
	opAppends        = 'e'  // extend the list below the mark with the items above it
	opList           = 'l'  // build a list from the items above the mark
	opEmptyDict      = '}'  // push {}
	opSetItem        = 's'  // set one key and value in the dict below them
	opSetItems       = 'u'  // set the pairs above the mark in the dict below it
	opDict           = 'd'  // build a dict from the pairs above the mark
	opGlobal         = 'c'  // push a global named by two text lines (module, name)
	opReduce         = 'R'  // call a global with a tuple of arguments
	opBuild          = 'b'  // set an object's state
	opBinGet         = 'h'  // push a memo entry, 1-byte index
	opLongBinGet     = 'j'  // push a memo entry, 4-byte index
	opBinPut         = 'q'  // store the top in the memo, 1-byte index
	opLongBinPut     = 'r'  // store the top in the memo, 4-byte index
	opProto          = 0x80 // protocol version
	opNewObj         = 0x81 // cls.__new__(cls, *args)
	opTuple1         = 0x85 // build a 1-tuple from the top
	opTuple2         = 0x86 // build a 2-tuple from the top two
	opTuple3         = 0x87 // build a 3-tuple from the top three
	opNewTrue        = 0x88 // push True
	opNewFalse       = 0x89 // push False
	opLong1          = 0x8a // push an int, little-endian two's complement, 1-byte length
	opLong4          = 0x8b // push an int, 4-byte length
	opShortBinUni    = 0x8c // push a str, 1-byte length
	opBinUnicode8    = 0x8d // push a str, 8-byte length
	opBinBytes8      = 0x8e // push bytes, 8-byte length
	opEmptySet       = 0x8f // push set()
	opAddItems       = 0x90 // add the items above the mark to the set below it
	opFrozenSet      = 0x91 // build a frozenset from the items above the mark
	opNewObjEx       = 0x92 // cls.__new__(cls, *args, **kwargs)
	opStackGlobal    = 0x93 // push a global named by the two strs on the stack
	opMemoize        = 0x94 // store the top in the next memo slot
	opFrame          = 0x95 // a frame of the given length follows
	opByteArray8     = 0x96 // push a bytearray, 8-byte length
	highestProtocol  = 5    // the newest protocol read
	encodedProtocol  = 4    // the protocol Marshal writes
	maxGlobalLine    = 256  // longest module or name line GLOBAL may carry
	maxLongBytes     = 8192 // longest int accepted, in bytes (about 19,700 decimal digits)
	maxSetItemsBatch = 1000 // items per APPENDS/SETITEMS/ADDITEMS batch written, as Python does
	defaultMaxDepth  = 200  // nesting allowed in decoded and encoded values
	defaultMaxSize   = 64 << 20
)
