// Parser modules of this group register themselves when imported; one import line each.
import './netfilter/iptablesList';
import './netfilter/iptablesSave';
import './netfilter/nft';
import './netfilter/ipvsadm';
import './netfilter/conntrack';
export {};
