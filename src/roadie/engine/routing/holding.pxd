# Cython declarations for holding.py (the opt-in compiled build; see indexes.pxd).
cimport cython

from roadie.engine.routing.indexes cimport AgentIndexes
from roadie.engine.routing.records cimport AgentHeap, AgentStatus, ContactRec, Queue


cdef class Holding(AgentIndexes):
    @cython.locals(crec=ContactRec)
    cpdef bint _reserved_entry(self, tuple e)

    @cython.locals(crec=ContactRec)
    cpdef bint _live_entry(self, tuple e)

    @cython.locals(h=AgentHeap, old=cython.long, new=cython.long, load=cython.long)
    cpdef _reserve(self, ContactRec crec, AgentStatus arec, now, expires_at)

    @cython.locals(arec=AgentStatus)
    cpdef _release(self, ContactRec crec, now)
