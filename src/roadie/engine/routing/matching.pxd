# Cython declarations for matching.py (the opt-in compiled build; see indexes.pxd).
cimport cython

from roadie.engine.routing.holding cimport Holding
from roadie.engine.routing.records cimport AgentHeap, AgentStatus, ContactRec, Queue


cdef class Matching(Holding):
    @cython.locals(q=Queue, queues=list, made=list, work=list)
    cpdef list _route(self, now)

    @cython.locals(crec=ContactRec, arec=AgentStatus, h=AgentHeap, side=AgentHeap, old=ContactRec)
    cpdef bint _route_one(self, Queue q, now, list made)

    @cython.locals(h=AgentHeap, best_h=AgentHeap, agents=dict)
    cpdef tuple _match(self, ContactRec crec, Queue q, now)

    @cython.locals(crec=ContactRec, contacts=dict)
    cpdef _head(self, list heap)
