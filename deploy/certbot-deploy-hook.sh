#!/bin/sh
# certbot deploy hook for Confab (docs/deploy.md): certbot runs it after every successful issuance
# or renewal, with RENEWED_LINEAGE=/etc/letsencrypt/live/<domain>.
#   install -m 0755 deploy/certbot-deploy-hook.sh /etc/letsencrypt/renewal-hooks/deploy/confab.sh
#
# Confab runs as the unprivileged user `confab`, which cannot read certbot's private keys, so the
# pair is copied to /etc/confab/tls (readable by the group confab only). Each file is written
# beside its final name and renamed over it, so Confab never reads half a file. Confab notices the
# new files by itself within a second; the reload below (SIGHUP) just makes it immediate.
set -eu
dest=/etc/confab/tls
install -d -m 0750 -o root -g confab "$dest"
for f in fullchain.pem privkey.pem; do
  install -m 0640 -o root -g confab "$RENEWED_LINEAGE/$f" "$dest/.$f.new"
  mv -f "$dest/.$f.new" "$dest/$f"
done
systemctl reload confab 2>/dev/null || true
# coturn (deploy/turnserver.conf) on the same name: uncomment to hand it the renewed pair too.
# install -m 0640 -o root -g turnserver "$RENEWED_LINEAGE/fullchain.pem" /etc/coturn/fullchain.pem
# install -m 0640 -o root -g turnserver "$RENEWED_LINEAGE/privkey.pem" /etc/coturn/privkey.pem
# systemctl kill -s USR2 coturn
