# Cython declarations for records.py (read only by the opt-in compiled build, see
# docs/routing.md): the records become extension types with typed attributes. The .py stays
# the source and the default; without Cython these lines are never read.

cdef class AgentStatus:
    cdef public object spec
    cdef public long load
    cdef public object state
    cdef public object idle_since
    cdef public object handled
    cdef public long version
    cdef public list memberships
    cdef public set member_idx
    cdef public dict pushed
    cdef public set contacts
    cdef public long counted
    cdef public long pending
    cdef public long missed
    cdef public dict limits
    cdef public dict held
    cdef public object closed

cdef class ContactRec:
    cdef public object spec
    cdef public Queue queue
    cdef public object state
    cdef public object agent
    cdef public dict excluded
    cdef public tuple order
    cdef public long token
    cdef public double reserved_at
    cdef public double expires_at

cdef class AgentHeap:
    cdef public long idx
    cdef public object qclass
    cdef public object selector
    cdef public list levels
    cdef public list queues
    cdef public long members
    cdef public long onshift
    cdef public long pushes
    cdef public long dry_at
    cdef public long dry_cost
    cdef public list counts
    cdef public object channel
    cdef public list fits

cdef class Queue:
    cdef public long idx
    cdef public object qclass
    cdef public list heap
    cdef public list oldest
    cdef public list tier_heaps
    cdef public list side_heaps
    cdef public long waiting
    cdef public bint simple
    cdef public bint blocked
    cdef public double blocked_since
    cdef public double timer_at
    cdef public long cost
