"""Sign-language (LSF) video calls: a brand page where a deaf or hard-of-hearing customer asks
for a call; routed only to agents certified in sign language; both sides get a meeting link."""
