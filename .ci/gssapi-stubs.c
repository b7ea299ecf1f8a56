/* GSSAPI stand-ins for the relocatable build (`.ci/build-release`).
 *
 * Debian's libgit2 is built with GSSAPI (Kerberos "Negotiate" authentication for HTTP remotes),
 * and there is no static libgssapi_krb5 to link. Linger never talks to a remote: it opens local
 * repositories only. These definitions satisfy the linker and fail every call, so the Negotiate
 * path — unreachable from Linger — reports an error instead of pulling in Kerberos. */
#include <stddef.h>
#include <stdint.h>

typedef uint32_t OM_uint32;
typedef struct { OM_uint32 length; void *elements; } gss_OID_desc;

static gss_OID_desc linger_no_oid = {0, NULL};
gss_OID_desc *GSS_C_NT_HOSTBASED_SERVICE = &linger_no_oid;

#define LINGER_GSS_FAILURE ((OM_uint32)13 << 16)

static OM_uint32 linger_gss_fail(OM_uint32 *minor) {
    if (minor) *minor = 0;
    return LINGER_GSS_FAILURE;
}

OM_uint32 gss_delete_sec_context(OM_uint32 *minor, void *context, void *token) { (void)context; (void)token; return linger_gss_fail(minor); }
OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status, int type, void *mech, OM_uint32 *more, void *text) {
    (void)status; (void)type; (void)mech; (void)text; if (more) *more = 0; return linger_gss_fail(minor);
}
OM_uint32 gss_import_name(OM_uint32 *minor, void *buffer, void *type, void *name) { (void)buffer; (void)type; (void)name; return linger_gss_fail(minor); }
OM_uint32 gss_indicate_mechs(OM_uint32 *minor, void *set) { (void)set; return linger_gss_fail(minor); }
OM_uint32 gss_init_sec_context(OM_uint32 *minor, void *a, void *b, void *c, void *d, OM_uint32 e, OM_uint32 f, void *g,
                               void *h, void *i, void *j, OM_uint32 *k, OM_uint32 *l) {
    (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; (void)g; (void)h; (void)i; (void)j; (void)k; (void)l;
    return linger_gss_fail(minor);
}
OM_uint32 gss_release_buffer(OM_uint32 *minor, void *buffer) { (void)buffer; if (minor) *minor = 0; return 0; }
OM_uint32 gss_release_name(OM_uint32 *minor, void *name) { (void)name; if (minor) *minor = 0; return 0; }
OM_uint32 gss_release_oid_set(OM_uint32 *minor, void *set) { (void)set; if (minor) *minor = 0; return 0; }
