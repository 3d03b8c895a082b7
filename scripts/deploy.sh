#!/usr/bin/env bash
# Deploys Paperboy to your Cloudflare account: D1 database and queues (created when missing),
# remote migrations first, then the three workers. Needs `npx wrangler login` (or
# CLOUDFLARE_API_TOKEN) and the secrets described in docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false
w() { npx wrangler "$@"; }

configs=(wrangler.toml workers/ingest/wrangler.toml workers/mailer/wrangler.toml)
placeholder=00000000-0000-4000-8000-000000000001

if grep -q "$placeholder" wrangler.toml; then
  id=$(w d1 list --json | node -e 'const l=JSON.parse(require("fs").readFileSync(0,"utf8"));const d=l.find(x=>x.name==="paperboy");if(d)console.log(d.uuid)')
  if [ -z "$id" ]; then
    w d1 create paperboy >/dev/null
    id=$(w d1 list --json | node -e 'const l=JSON.parse(require("fs").readFileSync(0,"utf8"));console.log(l.find(x=>x.name==="paperboy").uuid)')
  fi
  sed -i.bak "s/$placeholder/$id/" "${configs[@]}" && rm -f wrangler.toml.bak workers/*/wrangler.toml.bak
  echo "D1 database paperboy: $id (written into the three configs; commit them)"
fi

for q in paperboy-mail paperboy-mail-dlq; do
  w queues info "$q" >/dev/null 2>&1 || w queues create "$q"
done

w d1 migrations apply paperboy --remote -c wrangler.toml
# The API worker binds to the ingest worker (INGEST) and the ingest worker back to it (SITE), and
# Cloudflare refuses a binding to a worker that does not exist yet. On the first deploy, the ingest
# worker goes up once without SITE, then again with it once the API worker exists.
if ! w deployments list --name paperboy-api >/dev/null 2>&1; then
  first=workers/ingest/wrangler.first-deploy.toml
  node -e 'const fs=require("fs");const t=fs.readFileSync("workers/ingest/wrangler.toml","utf8");fs.writeFileSync(process.argv[1],t.replace(/\[\[services\]\][^[]*?binding = "SITE"[^[]*/,""))' "$first"
  w deploy -c "$first"
  rm -f "$first"
fi
# Vectors (shared/vectors, deploy/vectors.toml): the Vectorize index and its metadata indexes are
# created when missing, before any vector (filters apply only to vectors stored after them); the API
# and ingest workers get the AI and VECTORIZE bindings, the mailer too (a digest "ranked for me"
# reads the papers' vectors; it never calls AI). PAPERBOY_VECTORS=off deploys without them.
index=$(sed -n 's/^index_name = "\(.*\)"$/\1/p' deploy/vectors.toml)
dims=${index##*-}
with_vectors() { cat "$1" deploy/vectors.toml >"${1%.toml}.vectors.toml" && echo "${1%.toml}.vectors.toml"; }
api_config=wrangler.toml
ingest_config=workers/ingest/wrangler.toml
mailer_config=workers/mailer/wrangler.toml
if [ "${PAPERBOY_VECTORS:-on}" != off ]; then
  w vectorize get "$index" >/dev/null 2>&1 || w vectorize create "$index" --dimensions="$dims" --metric=cosine
  indexed=$(w vectorize list-metadata-index "$index" --json 2>/dev/null || echo "[]")
  for property in day month category; do
    grep -q "\"$property\"" <<<"$indexed" || w vectorize create-metadata-index "$index" --propertyName="$property" --type=string
  done
  api_config=$(with_vectors wrangler.toml)
  ingest_config=$(with_vectors workers/ingest/wrangler.toml)
  mailer_config=$(with_vectors workers/mailer/wrangler.toml)
  trap 'rm -f wrangler.vectors.toml workers/ingest/wrangler.vectors.toml workers/mailer/wrangler.vectors.toml' EXIT
fi

w deploy -c "$mailer_config"
w deploy -c "$api_config"
w deploy -c "$ingest_config"
if [ "${PAPERBOY_VECTORS:-on}" != off ]; then
  echo "Vectors: new and changed papers get one after each ingest. For the catalog already loaded, run"
  echo "  until curl -fsS -X POST -H \"Authorization: Bearer \$ADMIN_TOKEN\" https://YOUR-SITE/admin/vectors/backfill | grep -q '\"remaining\":0'; do :; done"
fi
