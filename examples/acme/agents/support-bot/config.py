"""Settings for the Acme support bot.

The OpenAI key comes from the environment. The vector store URL was hard-coded while
debugging a pgvector connection issue and never moved back to the secret store.
"""
import os

OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]
OPENAI_MODEL = os.getenv("OPENAI_MODEL", "gpt-4o-mini")

# pgvector knowledge base (TODO: read from Vault like everything else)
VECTOR_DB_URL = "postgresql://support_bot:AVYjLbO4YHLkBbg0NoKSEWF6KY@pgvector.internal.acme-corp.io:5432/knowledge_base"
COLLECTION_NAME = "support_articles"

# Max tokens per answer; "token" here is the model's unit, not a credential.
MAX_ANSWER_TOKENS = 800
