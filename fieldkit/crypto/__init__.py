"""Signatures and keys, one job per module (where is X decided? the file name says):

- :mod:`.sshsig` — the SSHSIG envelope, byte-identical to ``ssh-keygen -Y sign``/``verify``;
- :mod:`.namespaces` — the purpose string each kind of signature is made under;
- :mod:`.keyfolder` — the ``keys/`` folder: file names, bounded reads, atomic writes,
  permissions;
- :mod:`.keys` — our own keys: create, read the public half, unlock, change passphrase;
- :mod:`.recipients` — the age recipient bound to the signing key by a signature;
- :mod:`.allowed_signers` — the OpenSSH ``allowed_signers`` format, read and written;
- :mod:`.trustlist` — whom we trust: export, trust, untrust, ``trusted_identity``;
- :mod:`.revocation` — a key revoked from a time (events it signed later held back);
- :mod:`.fingerprints` — the fingerprints people compare, and the form read aloud.
"""
