import os

DEBUG = True
DATABASE = {
    "host": "db.internal.linger.invalid",
    "user": "reporting",
    "password": "Kq7#vR2m!xT9",
}

# The assistant features
OPENAI_API_KEY = "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"
ANTHROPIC_API_KEY = os.environ.get("ANTHROPIC_API_KEY", "sk-ant-api03-Q1fevuD_5H1cJDHt1I7DvtXfF5shlOiwowDG0trSi6-SPpqrTK_OV7oaZ20G7WW5cnmjLnSoCD-8HaQWvbmr0_-B9REItAA")
