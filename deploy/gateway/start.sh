#!/bin/sh
# Starts nginx with the resolver of nginx.conf set to this container's DNS server: Docker's
# embedded DNS is 127.0.0.11 (the address nginx.conf names), podman's is its network's gateway.
# nginx needs the address itself; it does not read /etc/resolv.conf.
set -eu
nameserver=$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)
if [ -z "$nameserver" ]; then
  echo "housing-start: no nameserver in /etc/resolv.conf" >&2
  exit 1
fi
case $nameserver in
  *:*) nameserver="[$nameserver]" ;;
esac
sed "s/resolver 127\.0\.0\.11 /resolver $nameserver /" /etc/nginx/nginx.conf >/tmp/nginx.conf
exec nginx -c /tmp/nginx.conf -g 'daemon off;'
