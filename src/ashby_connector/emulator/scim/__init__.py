"""SCIM 2.0 at ``/scim/v2``: provisioning into Ashby as Ashby's directory sync (through WorkOS) does.

Users only; every user SCIM creates is an Ashby user with ``globalRole`` "Limited Access"; roles
sent over SCIM are kept on the SCIM resource but never change Ashby's role; ``active: false`` and
DELETE deactivate the Ashby user (out of interviewer pools, still on scheduled interviews).
"""

from ashby_connector.emulator.scim.app import scim_app

__all__ = ["scim_app"]
