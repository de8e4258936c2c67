"""The farm's own certificate authority, for the few hosts that answer HTTPS through CONNECT.

The CA key and certificate are cached under .cache/farm/ (regenerated when missing) so a client
can be told once to trust ``ca.pem``; every HTTPS host gets a leaf certificate signed by it.
"""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "farm"
VALID_FROM = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
VALID_TO = dt.datetime(2040, 1, 1, tzinfo=dt.UTC)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nianbao farm"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def ca_paths() -> tuple[Path, Path]:
    """(certificate, key) of the farm CA, created on first use."""
    cert_path, key_path = CACHE / "ca.pem", CACHE / "ca-key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    CACHE.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("nianbao farm CA")).issuer_name(_name("nianbao farm CA"))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(VALID_FROM).not_valid_after(VALID_TO)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def ca_certificate_pem() -> bytes:
    return ca_paths()[0].read_bytes()


def server_context(hosts: list[str]) -> ssl.SSLContext:
    """A server-side TLS context whose one certificate names every HTTPS host of the farm."""
    cert_path, key_path = ca_paths()
    ca_key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    names = sorted(set(hosts)) or ["localhost"]
    cert = (x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(VALID_FROM).not_valid_after(dt.datetime(2039, 1, 1, tzinfo=dt.UTC))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        chain = Path(tmp) / "leaf.pem"
        chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM)
                          + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        ctx.load_cert_chain(str(chain))
    return ctx
