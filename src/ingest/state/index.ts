// What a node says about itself: importing this module registers the parsers.
import './sysctl';
import './bridgeLink';
import './sockets';
import './conntrackStats';
import './iptablesBackend';
