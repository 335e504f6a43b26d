"""Acme support bot: answers customer questions from the help-centre articles."""
from fastapi import FastAPI
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from langchain_postgres import PGVector

import config

app = FastAPI(title="acme-support-bot")

embeddings = OpenAIEmbeddings(api_key=config.OPENAI_API_KEY)
store = PGVector(
    embeddings=embeddings,
    collection_name=config.COLLECTION_NAME,
    connection=config.VECTOR_DB_URL,
)
llm = ChatOpenAI(model=config.OPENAI_MODEL, api_key=config.OPENAI_API_KEY, max_tokens=config.MAX_ANSWER_TOKENS)

prompt = ChatPromptTemplate.from_messages(
    [
        ("system", "You are Acme's support assistant. Answer only from the context.\n\n{context}"),
        ("human", "{question}"),
    ]
)


@app.post("/ask")
def ask(question: str) -> dict:
    docs = store.similarity_search(question, k=4)
    context = "\n\n".join(d.page_content for d in docs)
    answer = (prompt | llm).invoke({"context": context, "question": question})
    return {"answer": answer.content, "sources": [d.metadata.get("url") for d in docs]}
