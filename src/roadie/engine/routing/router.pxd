# Cython declarations for router.py (the opt-in compiled build; see indexes.pxd). The records
# are cimported under another name: this module re-exports their Python names.
cimport cython

cimport roadie.engine.routing.records as R
from roadie.engine.routing.matching cimport Matching


cdef class Router(Matching):
    @cython.locals(crec=R.ContactRec, q=R.Queue, queue=R.Queue)
    cpdef add_contact(self, contact)

    @cython.locals(crec=R.ContactRec, arec=R.AgentStatus)
    cpdef complete(self, contact_id, now)

    @cython.locals(crec=R.ContactRec, arec=R.AgentStatus)
    cpdef accept(self, contact_id, now)
