"""Turn the SAM template into plain CloudFormation JSON for service-managed StackSets.

StackSets with service-managed permissions cannot run the SAM transform with the default execution
role, so they need the template already translated, with the function's code in S3:

    python scripts/stackset_template.py --template template.yaml \
        --code-uri s3://bucket/key.zip --output stackset/template.json

Lambda reads code only from a bucket in the function's own region: for a rollout to several
regions, name the buckets after the region and write ``{region}`` where the region goes,
``s3://artifacts-{region}/key.zip``; the bucket then becomes ``Fn::Sub`` with
``${AWS::Region}`` and each region reads its own copy. ``{region}`` passes through make and the
shell unchanged (``make stackset-template CODE_URI=s3://artifacts-{region}/key.zip``), where
``${AWS::Region}`` would be expanded to nothing by both; written directly to this script (in
single quotes), ``${AWS::Region}`` works too.

The translation runs locally with aws-sam-translator (installed with the SAM CLI, so run this with
the SAM CLI's Python, ``.venv-sam/bin/python``) and makes no AWS calls: the template uses no
managed policies, so the managed policy loader is an empty stub, and templates that would need
the Serverless Application Repository are refused. The output is deterministic.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
# A bucket name, or one that holds ${...} (resolved by Fn::Sub in each account and region).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_SUB_VARIABLE = re.compile(r"\$\{[^}]+\}")
# The make- and shell-safe spelling of ${AWS::Region} in a bucket name.
REGION_PLACEHOLDER = "{region}"
# Template-level metadata that only means something to the Serverless Application Repository.
_SAR_METADATA = "AWS::ServerlessRepo::Application"


class StackSetTemplateError(Exception):
    """The template or the code location cannot give a plain CloudFormation template."""


@dataclass(frozen=True)
class CodeLocation:
    """Where the packaged function code lies in S3."""

    bucket: str
    key: str
    version: str | None = None

    def __post_init__(self) -> None:
        if REGION_PLACEHOLDER in self.bucket:
            bucket = self.bucket.replace(REGION_PLACEHOLDER, "${AWS::Region}")
            object.__setattr__(self, "bucket", bucket)
        literal = _SUB_VARIABLE.sub("x", self.bucket)
        if not _BUCKET.match(literal):
            raise StackSetTemplateError(f"{self.bucket!r} is not an S3 bucket name")
        if not self.key or self.key.startswith("/"):
            raise StackSetTemplateError(f"{self.key!r} is not an S3 object key")

    def code_uri(self) -> dict[str, Any]:
        """The ``CodeUri`` object SAM turns into the function's ``Code``."""
        bucket: Any = {"Fn::Sub": self.bucket} if _SUB_VARIABLE.search(self.bucket) else self.bucket
        location: dict[str, Any] = {"Bucket": bucket, "Key": self.key}
        if self.version:
            location["Version"] = self.version
        return location


def parse_code_uri(text: str) -> CodeLocation:
    """``s3://bucket/key`` (optionally ``?versionId=...``) as a CodeLocation."""
    if not text:
        raise StackSetTemplateError(
            "the code location is empty: give the s3://bucket/key that `sam package` wrote as "
            "CodeUri (make stackset-template CODE_URI=s3://bucket/key.zip; a bucket per region: "
            "CODE_URI=s3://bucket-{region}/key.zip)"
        )
    match = re.fullmatch(r"s3://([^/?]+)/([^?]+)(?:\?versionId=([^&]+))?", text)
    if not match:
        raise StackSetTemplateError(f"{text!r} is not an s3://bucket/key location")
    return CodeLocation(bucket=match[1], key=match[2], version=match[3])


def load_sam_template(path: Path) -> dict[str, Any]:
    """Parse a SAM template in YAML or JSON, short-form intrinsics (!Ref, !Sub...) included."""
    # aws-sam-translator ships no type information; it lives in the SAM CLI's environment.
    yaml_helper = importlib.import_module("samtranslator.yaml_helper")
    yaml = importlib.import_module("yaml")
    try:
        template = yaml_helper.yaml_parse(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StackSetTemplateError(f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise StackSetTemplateError(f"{path} is not a YAML or JSON template: {exc}") from exc
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise StackSetTemplateError(f"{path} has no Resources section")
    return template


def with_code_location(template: dict[str, Any], code: CodeLocation) -> dict[str, Any]:
    """Point every function's local CodeUri at ``code``; refuse what cannot be translated."""
    out: dict[str, Any] = json.loads(json.dumps(template))  # a deep copy of plain data
    local_uris: set[str] = set()
    for name, resource in out["Resources"].items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if kind == "AWS::Serverless::Application":
            raise StackSetTemplateError(
                f"{name} is an AWS::Serverless::Application, which needs the Serverless "
                "Application Repository to translate"
            )
        if kind == "AWS::Serverless::LayerVersion":
            raise StackSetTemplateError(f"{name}: layers are not supported; package them first")
        if kind != SERVERLESS_FUNCTION:
            continue
        properties = resource.setdefault("Properties", {})
        if properties.get("PackageType", "Zip") != "Zip" or "InlineCode" in properties:
            continue
        uri = properties.get("CodeUri")
        if isinstance(uri, str) and not uri.startswith("s3://"):
            local_uris.add(uri)
            properties["CodeUri"] = code.code_uri()
    if len(local_uris) > 1:
        found = ", ".join(sorted(local_uris))
        raise StackSetTemplateError(f"one code location cannot serve several CodeUris ({found})")
    if not local_uris:
        raise StackSetTemplateError("the template has no function with a local CodeUri")
    return out


def translate(template: dict[str, Any], region: str) -> dict[str, Any]:
    """The SAM transform, run locally: no managed policies, no AWS calls."""
    boto3 = importlib.import_module("boto3")
    parser_module = importlib.import_module("samtranslator.parser.parser")
    translator_module = importlib.import_module("samtranslator.translator.translator")
    exceptions = importlib.import_module("samtranslator.model.exceptions")

    def no_managed_policies() -> dict[str, str]:
        return {}

    # The region only selects the partition; the output keeps AWS::Region and AWS::Partition.
    translator = translator_module.Translator(
        None, parser_module.Parser(), boto_session=boto3.session.Session(region_name=region)
    )
    try:
        result = translator.translate(
            template,
            parameter_values={},
            passthrough_metadata=True,  # keeps the checkov skips with the resources
            get_managed_policy_map=no_managed_policies,
        )
    except exceptions.InvalidDocumentException as exc:
        causes = "; ".join(str(cause.message) for cause in exc.causes)
        raise StackSetTemplateError(f"SAM cannot translate the template: {causes}") from exc
    translated: dict[str, Any] = json.loads(json.dumps(result))
    metadata = translated.get("Metadata")
    if isinstance(metadata, dict):
        metadata.pop(_SAR_METADATA, None)
        if not metadata:
            del translated["Metadata"]
    return translated


def render(template: dict[str, Any]) -> str:
    """Deterministic JSON: the translator's key order, two-space indent, trailing newline."""
    return json.dumps(template, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def build(template_path: Path, code: CodeLocation, region: str = "us-east-1") -> str:
    """The StackSets template for ``template_path`` with its code at ``code``, as JSON text."""
    sam = load_sam_template(template_path)
    return render(translate(with_code_location(sam, code), region))


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="stackset_template.py",
        description="Translate the SAM template into plain CloudFormation for StackSets.",
    )
    parser.add_argument("--template", type=Path, default=Path("template.yaml"))
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--code-uri",
        help="s3://bucket/key of the packaged code (from sam package); {region} in the bucket "
        "name becomes each stack's region",
    )
    where.add_argument(
        "--code-bucket", help="bucket of the packaged code (with --code-key); {region} as above"
    )
    parser.add_argument("--code-key", help="key of the packaged code (with --code-bucket)")
    parser.add_argument("--code-version", help="S3 object version (with --code-bucket)")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument(
        "--region",
        default="us-east-1",
        help="any region of the target partition (aws-cn, aws-us-gov: one of theirs)",
    )
    args = parser.parse_args(argv)
    if args.code_bucket is not None and not args.code_key:
        parser.error("--code-bucket needs --code-key")
    if args.code_bucket is None and (args.code_key or args.code_version):
        parser.error("--code-key and --code-version go with --code-bucket")
    return args


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    args = _arguments(argv)
    try:
        if args.code_bucket is not None:
            code = CodeLocation(args.code_bucket, args.code_key, args.code_version)
        else:
            code = parse_code_uri(args.code_uri)
        text = build(args.template, code, args.region)
    except StackSetTemplateError as exc:
        print(f"stackset_template.py: error: {exc}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        print(
            f"stackset_template.py: error: {exc.name} is missing; run this with the SAM CLI's "
            "Python (.venv-sam/bin/python), which has aws-sam-translator",
            file=sys.stderr,
        )
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text)} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
