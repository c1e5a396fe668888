"""Voice (and the timing of sign-language video calls): telephony provider events in, calls
routed like any contact, answer/talk/wrap times recorded, premium lines metered per second."""
