"""django-csp's middleware with the usual header built once, not on every response.

Most responses carry the policy of the settings as it is: no nonce asked for, no per-view
change (`csp_update`, `csp_replace`, `csp_exempt`…), no report-only policy. Building that
string is a fifth of what the whole middleware stack costs a bare view (bench/middleware.py),
and it is the same string every time: it is kept per settings object (tests that override the
settings get theirs). Anything else — a nonce, a view's change, a report-only policy, the debug
pages — goes through django-csp itself.
"""

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings

_OVERRIDES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")


class CSPMiddleware(BaseCSPMiddleware):
    # (the settings' policy, its header): the policy itself, not its id, which a policy freed
    # after a settings override could hand on to the next one.
    _kept: tuple[dict, str] | None = None

    def process_response(self, request, response):
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        plain = (
            policy
            and not settings.DEBUG
            and getattr(request, "_csp_nonce", None) is None
            and not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            and not any(hasattr(response, name) for name in _OVERRIDES)
            and not policy.get("EXCLUDE_URL_PREFIXES")
        )
        if not plain:
            return super().process_response(request, response)
        kept = CSPMiddleware._kept
        if kept is None or kept[0] is not policy:
            kept = CSPMiddleware._kept = (policy, build_policy())
        if HEADER not in response:
            response[HEADER] = kept[1]
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
