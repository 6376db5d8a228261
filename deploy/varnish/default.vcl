# Broadsheet behind Varnish: caches the anonymous (public) API responses and hard-purges them
# by surrogate key when the content changes.
#
# Needs Varnish 7.1+ with varnish-modules (vmod xkey): Debian/Ubuntu `apt install varnish
# varnish-modules`; the official `varnish` Docker images include varnish-modules since 7.1.
#
# Standalone (here the app listens on app:3000; edit the backend below, e.g. to 127.0.0.1):
#
#   varnishd -F -a :6081 -f "$PWD/default.vcl" -s malloc,256m \
#     -p http_resp_hdr_len=65536 -p http_resp_size=98304 -p workspace_backend=256k \
#     -p http_req_hdr_len=65536 -p http_req_size=98304 -p workspace_client=256k
#
#   -f needs an absolute path (varnishd changes to its working directory first).
#   The -p values are needed: Surrogate-Key and Cache-Tag can each be ~10 KB (a 100-item list),
#   and the defaults answer 503 for any response header over 8 KB (http_resp_hdr_len) or all of
#   them over 32 KB (http_resp_size); both headers plus the xkey copy made below must also fit
#   in workspace_backend (96 KB by default). With these values a response may carry up to ~45 KB
#   of keys in each of Surrogate-Key and Cache-Tag (about 1,000 uuid keys). The http_req_* and
#   workspace_client ones let a PURGE carry more than 8 KB of keys (the default: 400 above).
#   As root, varnishd drops to its own users (varnish/vcache); add `-j none` to keep root
#   when the working directory (-n) is not theirs.
#
# The app is told to purge this cache with (any host name the app can reach, port of -a):
#
#   CDN_PURGE=varnish:http://<varnish host>:6081      e.g. varnish:http://varnish:6081 in compose
#
# It then sends `PURGE /` with a header `xkey: <space-separated keys>`; every cached object whose
# Surrogate-Key held any of those keys is removed at once (a hard purge), and the answer is
# 200 with `X-Purged: <n>` and a JSON body {"purged": n}.
#
# The backend's host name is resolved when the VCL is loaded (varnishd -C too): with compose,
# start Varnish after the app (depends_on: app), so that the service name "app" resolves.

vcl 4.1;

import xkey;
import std;

# The Broadsheet API. The two lines .host/.port are rewritten by test/support/varnish.ts; keep
# them on their own lines, in this form.
backend default {
    .host = "app";
    .port = "3000";
    # Connecting is quick on a local network; a slow first byte is a slow database query (the
    # app answers 408/503 itself before 30 s), so 30 s plus a margin before Varnish gives up.
    .connect_timeout = 2s;
    .first_byte_timeout = 35s;
    .between_bytes_timeout = 10s;
    # Readiness (200 when the database answers, else 503): a sick backend is not asked, and
    # stale copies are served instead (see vcl_hit). Starts as healthy (.initial = .threshold)
    # so that requests are not refused for the first probe intervals after a (re)start.
    .probe = {
        .url = "/health/ready";
        .interval = 5s;
        .timeout = 3s;
        .window = 5;
        .threshold = 3;
        .initial = 3;
    }
}

# Who may purge: the app, from this host or from a container/private network (docker's
# networks are in 172.16/12 and 192.168/16 by default, Kubernetes and VPCs in 10/8).
acl purgers {
    "127.0.0.1";
    "::1";
    "10.0.0.0"/8;
    "172.16.0.0"/12;
    "192.168.0.0"/16;
    "fc00::"/7;
}

sub vcl_recv {
    # Internal markers of the restarts in vcl_hit and vcl_synth; never taken from a client.
    if (req.restarts == 0) {
        unset req.http.X-Broadsheet-Refresh;
        unset req.http.X-Broadsheet-Stale;
    }

    # Surrogate-key purge: PURGE (any path) with `xkey: k1 k2 ...` from the app. Handled here,
    # never forwarded to the backend.
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey) {
            return (synth(400, "PURGE needs an xkey header"));
        }
        # Several xkey lines count as one list; commas as well as spaces separate keys.
        std.collect(req.http.xkey, " ");
        set req.http.X-Purged = xkey.purge(regsuball(req.http.xkey, ",", " "));
        return (synth(200, "Purged"));
    }

    # Only reads are cached; writes (and anything else) go to the API untouched.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }

    # A token sees private data (drafts, emails...) and gets `private, no-cache`: such requests
    # are never answered from the cache nor stored. A cookie is treated the same way (the API
    # uses none, but a browser may send the site's). Nothing is stripped from them.
    if (req.http.Authorization || req.http.Cookie) {
        return (pass);
    }

    # Back from vcl_hit (stale past stale-while-revalidate, backend healthy): look up again
    # without grace, so the stale copy counts as expired and this is a miss: a conditional
    # fetch (If-None-Match from the stale copy), and requests for the same URL wait for it
    # instead of each asking the API. The stale copy stays in the cache in case the fetch
    # fails (see vcl_synth).
    if (req.http.X-Broadsheet-Refresh) {
        set req.grace = 0s;
    } else if (req.restarts > 0) {
        # req.grace survives a restart (and cannot be unset): back to no limit.
        set req.grace = 3650d;
    }

    # Everything else: the builtin vcl_recv (lowercases Host, 400 for HTTP/1.1 without Host)
    # and then a cache lookup by URL and Host.
}

sub vcl_hit {
    # A fresh copy: serve it.
    if (obj.ttl >= 0s) {
        return (deliver);
    }
    # A stale copy (the lookup only returns one within beresp.grace, the longer of
    # stale-while-revalidate and stale-if-error). Within stale-while-revalidate (read again from
    # the stored Cache-Control) it is served while Varnish fetches a fresh copy in the
    # background. obj.ttl is the time left, negative once stale.
    if (obj.ttl + std.duration(regsub(obj.http.Cache-Control,
            "^(?:.*[\s,])?stale-while-revalidate=(\d+).*$", "\1s"), 0s) > 0s) {
        return (deliver);
    }
    # Past that, only stale-if-error allows it: when the backend is known to be down (probe),
    # or when a refresh just failed (the restart in vcl_synth).
    if (req.http.X-Broadsheet-Stale || !std.healthy(req.backend_hint)) {
        return (deliver);
    }
    # The backend looks fine: the client waits for a fresh copy (see vcl_recv).
    set req.http.X-Broadsheet-Refresh = "1";
    return (restart);
}

sub vcl_backend_fetch {
    # The restart markers are Varnish's own business; X-Broadsheet-Refresh stays on the backend
    # request (the API ignores it) because vcl_backend_response/error need to know that the
    # stale copy must be kept if this fetch fails.
    unset bereq.http.X-Broadsheet-Stale;
}

sub vcl_backend_response {
    # Passed requests (token, cookie, writes): delivered as they are, never stored.
    if (bereq.uncacheable) {
        return (deliver);
    }

    # The surrogate keys: the xkey vmod indexes an object under every key of its `xkey` header
    # (spaces or commas between keys). Surrogate-Key and Cache-Tag (the same keys) are only for
    # caches, so they are not stored: one copy, as xkey, is enough (they can be ~10 KB each).
    # After a 304 revalidation without Surrogate-Key, the stored xkey is kept.
    if (beresp.http.Surrogate-Key) {
        std.collect(beresp.http.Surrogate-Key, " ");
        set beresp.http.xkey = beresp.http.Surrogate-Key;
        unset beresp.http.Surrogate-Key;
    }
    unset beresp.http.Cache-Tag;

    # An error from the API is never stored. When refreshing a stale copy (in the background,
    # or for a client past swr) it is dropped, so that the stale copy stays and is served
    # (stale-if-error); anything stored instead, even uncacheable, would hide it. Otherwise the
    # client gets the API's own error.
    if (beresp.status >= 500) {
        if (bereq.is_bgfetch || bereq.http.X-Broadsheet-Refresh) {
            return (abandon);
        }
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }

    # beresp.ttl is Varnish's reading of the headers: s-maxage first, then max-age, then
    # Expires (the API sends `public, max-age=0, s-maxage=<n>`: browsers revalidate, Varnish
    # keeps it n s). Not stored: a response without any caching header (Varnish would apply
    # its default_ttl, 120 s, e.g. to a 404 the API did not mark cacheable), a zero TTL,
    # private/no-store/no-cache, a Set-Cookie, `Vary: *`. They are marked hit-for-miss for 2 min
    # (like the builtin): the next requests go to the backend without queueing behind one
    # another, and a later cacheable answer is stored normally.
    if ((!beresp.http.Cache-Control && !beresp.http.Expires) ||
        beresp.ttl <= 0s ||
        beresp.http.Cache-Control ~ "(?i)(^|[\s,])(private|no-store|no-cache)([\s,=]|$)" ||
        beresp.http.Set-Cookie ||
        beresp.http.Vary == "*") {
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    }

    # How long a stale copy may still be served: stale-while-revalidate (served while a
    # background fetch refreshes it) and stale-if-error (served only while the backend fails;
    # vcl_hit tells the two apart). Without either, Varnish's default grace (10 s) is left,
    # which vcl_hit only uses while the backend is down.
    set beresp.http.X-Swr = regsub(beresp.http.Cache-Control,
        "^(?:.*[\s,])?stale-while-revalidate=(\d+).*$", "\1s");
    set beresp.http.X-Sie = regsub(beresp.http.Cache-Control,
        "^(?:.*[\s,])?stale-if-error=(\d+).*$", "\1s");
    if (std.duration(beresp.http.X-Swr, -1s) >= 0s || std.duration(beresp.http.X-Sie, -1s) >= 0s) {
        set beresp.grace = std.duration(beresp.http.X-Swr, 0s);
        if (std.duration(beresp.http.X-Sie, 0s) > beresp.grace) {
            set beresp.grace = std.duration(beresp.http.X-Sie, 0s);
        }
    }
    unset beresp.http.X-Swr;
    unset beresp.http.X-Sie;

    # After grace, keep the copy a while longer for conditional refreshes: with an ETag or
    # Last-Modified, Varnish asks the API with If-None-Match/If-Modified-Since and a 304
    # refreshes it without a body. A purge removes it whatever its keep.
    if (beresp.http.ETag || beresp.http.Last-Modified) {
        set beresp.keep = 1h;
    }

    return (deliver);
}

sub vcl_backend_error {
    # The API could not be reached (refused, timeout, sick): when refreshing a stale copy, keep
    # it (as above); otherwise a 503 that is not stored.
    if (bereq.is_bgfetch || bereq.http.X-Broadsheet-Refresh) {
        return (abandon);
    }
    set beresp.ttl = 0s;
    set beresp.grace = 0s;
    set beresp.uncacheable = true;
}

sub vcl_deliver {
    # For humans and tests: was this answer from the cache? (Age, which Varnish sets, says how
    # old the cached copy is; it is left as is.)
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }

    # The keys are for caches only: clients do not need them, they are long (up to ~10 KB each)
    # and list ids of authors and comments. Removed here too for passed (uncached) responses.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
}

sub vcl_synth {
    # stale-if-error for a refresh the client waited for (vcl_hit's restart): the fetch was
    # abandoned (503 here), so look again with the full grace and take the stale copy.
    if (req.http.X-Broadsheet-Refresh && resp.status == 503) {
        unset req.http.X-Broadsheet-Refresh;
        set req.http.X-Broadsheet-Stale = "1";
        return (restart);
    }

    # The answer to PURGE, for the app: how many objects were removed.
    if (req.method == "PURGE") {
        set resp.http.Content-Type = "application/json";
        if (resp.status == 200) {
            set resp.http.X-Purged = req.http.X-Purged;
            set resp.body = {"{"purged":"} + req.http.X-Purged + "}";
        } else {
            set resp.body = {"{"error":""} + resp.reason + {"""} + "}";
        }
        return (deliver);
    }
}
