"""Which webhook addresses count as public: an IPv6 address is judged by the IPv4 address it carries."""

from __future__ import annotations

import pytest

from bot.webhooks.public_address import is_public


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254, the cloud metadata service
        "64:ff9b:1::c0a8:101",  # local-use NAT64 (any prefix length) stays inside its network
        "64:ff9b:1::5db8:d70e",
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::a00:1",
        "::ffff:10.0.0.1",  # IPv4-mapped
        "::ffff:127.0.0.1",
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:7f00:1::1",
        "::1",
        "fe80::1",
        "fc00::1",
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
    ],
)
def test_addresses_that_lead_into_a_private_network_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize(
    "address",
    ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "64:ff9b::5db8:d70e", "2002:5db8:d70e::1"],
)
def test_public_addresses_stay_public(address: str) -> None:
    assert is_public(address)
