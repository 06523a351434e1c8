"""local_aws.function_env: the functions' literal environment, read from a template."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_aws.function_env import GUARD, WATCH, function_environment, handler_environment

TEMPLATE = """\
Resources:
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      Handler: package.plain.lambda_handler
      Environment:
        Variables:
          POWERTOOLS_SERVICE_NAME: plain
          VLP_COMPUTED: !Ref SomeParameter
  Other:
    Type: AWS::Serverless::Function
    Properties:
      Handler: package.plain_other.lambda_handler
"""


def test_a_handler_module_gives_its_functions_literal_variables(tmp_path: Path) -> None:
    # Given a template whose function sets one literal and one computed variable
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE)
    # When the environment of the function whose handler is in package.plain is asked for
    found = handler_environment("package.plain", template)
    # Then it is that function's literal variable only (not the function whose module only
    # starts the same way, not the value the stack computes)
    assert found == {"POWERTOOLS_SERVICE_NAME": "plain"}
    assert handler_environment("package.plain_other", template) == {}


def test_a_module_no_function_handles_is_a_key_error(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE)
    with pytest.raises(KeyError, match=r"no function in .* has its handler in package\.absent"):
        handler_environment("package.absent", template)


def test_the_handler_modules_of_the_template_give_their_functions_variables() -> None:
    # Given the project's template, the guard and the watch read by their logical ids
    # When each is read by its handler module instead
    # Then both ways agree, and the watch has the metrics namespace the guard does not need
    guard = handler_environment("vended_logs_policy.function.account_guard")
    watch = handler_environment("vended_logs_policy.function.watch")
    assert guard == function_environment(GUARD)
    assert watch == function_environment(WATCH)
    assert "POWERTOOLS_METRICS_NAMESPACE" in watch
    assert "POWERTOOLS_METRICS_NAMESPACE" not in guard
