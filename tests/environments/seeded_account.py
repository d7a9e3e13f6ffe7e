"""A seeded AWS account on the local moto server: what a platform team has before its first `pulumi up`.

An issued certificate for the bank's hosts, an alarm topic, the chain's images pushed and scanned, and an
existing network (public subnets routed to an internet gateway, private ones not) for stacks that use one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import boto3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from environment_helpers import REGION
from moto_ecr import push_image, seed_scan

IMAGES = ("base", "java-runtime", "hello-world")


def client(service: str, region: str = REGION) -> Any:
    return boto3.client(service, region_name=region)


def issued_certificate(*names: str) -> str:
    """Import a self-signed certificate for `names` (ACM marks imported certificates ISSUED); its ARN."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return client("acm").import_certificate(
        Certificate=certificate.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )["CertificateArn"]


def pushed_and_scanned(endpoint: str, content: str = "v1") -> dict[str, str]:
    """The chain pushed to ECR, each scan complete without findings: image name -> digest reference."""
    ecr = client("ecr")
    references = {image: push_image(ecr, image, f"{image}-{content}") for image in IMAGES}
    for reference in references.values():
        seed_scan(endpoint, reference, {})
    return references


@dataclass(frozen=True)
class Network:
    vpc_id: str
    public_subnet_ids: list[str]
    private_subnet_ids: list[str]


def existing_network(cidr: str = "10.70.0.0/16") -> Network:
    """A VPC over two zones: public subnets routed to an internet gateway, private ones with a local route."""
    ec2 = client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    public_table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    private_table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    prefix = cidr.rsplit(".", 2)[0]
    subnets: dict[str, list[str]] = {"public": [], "private": []}
    for index, zone in enumerate((f"{REGION}a", f"{REGION}b")):
        for kind, table, third in (("public", public_table, index), ("private", private_table, 8 + index)):
            subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{prefix}.{third * 16}.0/20",
                                       AvailabilityZone=zone)["Subnet"]["SubnetId"]
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
            subnets[kind].append(subnet)
    return Network(vpc_id, subnets["public"], subnets["private"])
