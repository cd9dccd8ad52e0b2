import MoteHAL
