// Parser modules of this group register themselves when imported; one import line each.
import './dns'; // nslookup, dig, host, hosts, resolv.conf
import './misc'; // traceroute, nginx access logs (kubectl logs)
