"""The SSHSIG namespaces FieldKit signs under: one purpose string per use, so a
signature made for one thing is never valid for another (PROTOCOL.sshsig, "namespace";
``ssh-keygen -Y verify -n <namespace>``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


BUNDLE_NAMESPACE = "fieldkit-bundle@v1"


CHECKPOINT_NAMESPACE = "fieldkit-checkpoint@v1"


#: The signing key vouches for its person's age recipient (issue 9): the signed message
#: is the recipient text (``age1…``) in ASCII; the signature travels with the export.
AGE_RECIPIENT_NAMESPACE = "fieldkit-age-recipient@v1"


RELEASE_NAMESPACE = "fieldkit-release@v1"  # a public release (fieldkit/release.py)
