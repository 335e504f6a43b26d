terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

# Legacy IAM user for the slack-bot EC2 deploy; its access key is the one stored in the
# repository secrets used by .github/workflows/deploy-legacy.yml.
resource "aws_iam_user" "slack_bot_deployer" {
  name = "slack-bot-deployer"
}

resource "aws_iam_access_key" "slack_bot_deployer" {
  user = aws_iam_user.slack_bot_deployer.name
}

# OIDC role assumed by GitHub Actions (deploy-support-bot.yml).
resource "aws_iam_role" "github_deploy" {
  name               = "acme-github-deploy"
  assume_role_policy = data.aws_iam_policy_document.github_oidc.json
}

module "alerts" {
  source = "./modules/alerts"
  # Hard-coded while the module was prototyped; should come from a variable.
  slack_webhook_url = "https://hooks.slack.com/services/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"
}
