# Cython declarations for indexes.py, read only by the opt-in compiled build (docs/routing.md):
# the router's classes (AgentIndexes <- Holding <- Matching <- Router) become one line of
# extension types whose attributes are declared here, and the hot internal methods C calls
# with typed locals. The .py stays the source and the default.
cimport cython

from roadie.engine.routing.records cimport AgentHeap, AgentStatus, ContactRec, Queue


cdef class AgentIndexes:
    cdef public object policy
    cdef public object order
    cdef public bint _per_queue
    cdef public object accept_timeout
    cdef public dict cascades
    cdef public tuple default_cascade
    cdef public bint away_on_timeout
    cdef public object away_after_timeouts
    cdef public object decline_cooldown
    cdef public object max_pending
    cdef public object _max_pending
    cdef public dict _agents
    cdef public dict _by_skill
    cdef public dict _contacts
    cdef public dict _queues
    cdef public dict _qcache
    cdef public list _queue_list
    cdef public dict _heaps
    cdef public list _heap_list
    cdef public set _candidates
    cdef public long _with_room
    cdef public list _timers
    cdef public list _expiry
    cdef public object _expiry_limit
    cdef public object _ver
    cdef public long decisions
    cdef dict __dict__

    @cython.locals(h=AgentHeap)
    cpdef _join(self, AgentStatus rec, AgentHeap h)

    cpdef _push_one(self, AgentStatus rec, AgentHeap h)

    @cython.locals(h=AgentHeap, old=cython.long, new=cython.long)
    cpdef _recount(self, AgentStatus rec)

    @cython.locals(h=AgentHeap, q=Queue, free=cython.long, old=cython.long, lst=list)
    cpdef _push_agent(self, AgentStatus rec)

    @cython.locals(h=AgentHeap, counted=cython.long)
    cpdef _hold_channel(self, AgentStatus rec, channel, delta)

    @cython.locals(rec=AgentStatus)
    cpdef _clean_top(self, AgentHeap h, list lst, live)

    @cython.locals(rec=AgentStatus)
    cpdef _sweep(self, AgentHeap h, list lst)

    @cython.locals(rec=AgentStatus, f=cython.long, lst=list, levels=list, agents=dict)
    cpdef _best_in(self, AgentHeap h, cost)
