"""`python -m container_platform preflight --stack NAME`: check a stack in its account before `pulumi up`.

The offline review proves what the program will ask for; preflight asks the account whether what the stack
file names is there: the caller's account, the region and its zones, the certificate, the alarm topics, an
existing network, the ECS-optimized AMI and, for pinned images, each digest and its scan. Only read-only
calls are made. Placeholders are refused before any call.

Exit codes: 0 every check passed; 1 a check failed (each line names the setting and the fix); 2 preflight
could not run (no stack file, invalid settings, no usable credentials).
"""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path
from typing import Any

from container_platform.environments.account_checks import CHECKS, Account, ApiProblem, Check, home_region
from container_platform.environments.placeholders import placeholders
from container_platform.environments.stack_settings import StackSettings, StackSettingsError, load_stack
from container_platform.project import PROJECT_ROOT

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_ERROR = 2
NO_CREDENTIALS = (
    "preflight needs AWS credentials for the stack's account, and found none; run `aws configure` or "
    "`aws sso login --profile NAME` and set AWS_PROFILE=NAME, or set AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY; nothing was checked against the account"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "preflight",
        help="check a stack against its AWS account (read-only) before `pulumi up`",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--stack", required=True, metavar="NAME", help="the stack to check")
    parser.add_argument(
        "--project-dir", type=Path, default=PROJECT_ROOT, help="the project root holding Pulumi.<stack>.yaml"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        stack = load_stack(args.project_dir.resolve(), args.stack)
    except StackSettingsError as error:
        print(f"preflight: {error}")
        return EXIT_ERROR
    print(f"preflight: stack {stack.stack} ({stack.path.name}), region {stack.settings.region}")
    refused = placeholders(stack.config, stack.text.splitlines())
    _report("no placeholders are left", refused)
    try:
        account = _account(stack)
    except CredentialsProblem as problem:
        print(f"preflight: {problem}")
        return EXIT_ERROR
    print(f"preflight: credentials are for account {account.caller_account}")
    failed = bool(refused)
    for index, check in enumerate(CHECKS):
        if not check.applies(stack):
            print(f"  -     {check.name}: not asked by this stack")
            continue
        problems = _run(check, account)
        _report(check.name, problems)
        failed = failed or bool(problems)
        if problems and check.gate:
            for later in CHECKS[index + 1 :]:
                print(f"  -     {later.name}: not checked until the problem above is fixed")
            break
    if failed:
        print(
            f"preflight: {stack.stack} is not ready for `pulumi up`; fix the settings above and run it again"
        )
        return EXIT_FAILED
    print(f"preflight: {stack.stack} is ready for `pulumi up`")
    return EXIT_PASSED


def _report(name: str, problems: list[str]) -> None:
    if not problems:
        print(f"  ok    {name}")
        return
    print(f"  FAIL  {name}:")
    for problem in problems:
        print(f"          - {problem}")


def _run(check: Check, account: Account) -> list[str]:
    """The check's problems; a call that failed unexpectedly is a problem too, never a pass."""
    from botocore.exceptions import ClientError

    try:
        return check.run(account)
    except ApiProblem as problem:
        return [str(problem)]
    except ClientError as error:
        return [f"cannot check: {error}; fix access to the API, then run preflight again"]


class CredentialsProblem(Exception):
    """No credentials, or credentials AWS rejects: nothing can be checked."""


def _account(stack: StackSettings) -> Account:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    session = boto3.Session()
    if session.get_credentials() is None:
        raise CredentialsProblem(NO_CREDENTIALS)
    region = home_region(stack.settings.region)

    @cache
    def clients(service: str, region: str) -> Any:
        return session.client(service, region_name=region)

    try:
        identity = clients("sts", region).get_caller_identity()
    except NoCredentialsError as error:
        raise CredentialsProblem(NO_CREDENTIALS) from error
    except ClientError as error:
        raise CredentialsProblem(
            f"AWS refused the credentials ({error.response.get('Error', {}).get('Code')}: {error}); refresh "
            "them (`aws sso login`, a new session token) and run preflight again"
        ) from error
    except BotoCoreError as error:
        raise CredentialsProblem(f"cannot reach AWS STS in {region} ({error}); check the network") from error
    return Account(stack=stack, caller_account=str(identity["Account"]), clients=clients)
