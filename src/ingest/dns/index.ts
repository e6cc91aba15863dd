// The DNS-related parsers register themselves here. hosts comes before resolv-conf
// so that `cat /etc/hosts /etc/resolv.conf` reaches the hosts parser, which hands the
// resolv.conf part over.
import { registerFormat } from '../registry';
import { nslookupFormat } from './nslookup';
import { digFormat } from './dig';
import { hostFormat } from './host';
import { hostsFormat } from './hostsFile';
import { resolvConfFormat } from './resolvConf';

registerFormat(nslookupFormat);
registerFormat(digFormat);
registerFormat(hostFormat);
registerFormat(hostsFormat);
registerFormat(resolvConfFormat);
